//! Source record versions: the version ledger ingestion decides by (is a record read again
//! newer, the same, or older than what was issued?), kept in the registry store and written in
//! the same commit as the issuance it belongs to (see [`IssueRequest::source_version`]).
//!
//! [`IssueRequest::source_version`]: crate::IssueRequest::source_version

use std::cmp::Ordering;

use crate::error::IssuerError;
use crate::store::{Write, compare_versions};

use super::Issuer;

/// Most versions recorded in one commit by [`Issuer::record_source_versions`].
const VERSIONS_PER_COMMIT: usize = 10_000;

impl Issuer {
    /// The highest version of source record `source_record_id` issued, if one was given.
    pub fn source_version(&self, source_record_id: &str) -> Result<Option<String>, IssuerError> {
        self.inner.store.source_version(source_record_id)
    }

    /// Records versions known from elsewhere (the separate ledger of earlier civitas versions,
    /// folded in once), each only when it is higher than the one recorded, on disk before this
    /// returns. Returns how many were recorded.
    pub async fn record_source_versions(
        &self,
        entries: &[(String, String)],
    ) -> Result<usize, IssuerError> {
        let mut recorded = 0;
        for chunk in entries.chunks(VERSIONS_PER_COMMIT) {
            let mut keys: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
            keys.sort();
            keys.dedup();
            let _guard = self.inner.locks.lock(keys).await;
            let mut highest: std::collections::BTreeMap<&str, &str> = Default::default();
            for (id, version) in chunk {
                let known = match highest.get(id.as_str()) {
                    Some(v) => Some((*v).to_owned()),
                    None => self.inner.store.source_version(id)?,
                };
                if known
                    .as_deref()
                    .is_none_or(|k| compare_versions(version, k) == Ordering::Greater)
                {
                    highest.insert(id, version);
                }
            }
            let writes: Vec<Write> = highest
                .into_iter()
                .map(|(id, version)| Write::SourceVersion {
                    source_record_id: id.to_owned(),
                    version: version.to_owned(),
                })
                .collect();
            if writes.is_empty() {
                continue;
            }
            recorded += writes.len();
            self.inner.committer.records(writes, Vec::new()).await?;
        }
        Ok(recorded)
    }
}
