//! [`copy_registry`]: everything one registry store holds, written into another: how a registry
//! moves from sled to PostgreSQL (or back), and how a backup is restored into a store of the
//! other kind. OpenID4VCI's outstanding codes, tokens, nonces and offers are not copied (they
//! expire within minutes; offers are made again).

use civitas_status::StatusPurpose;

use super::{RegistryStore, Write, WriteBatch};
use crate::error::IssuerError;

/// Credentials (with their texts and source entries) per batch written.
const PAGE: usize = 500;

/// What [`copy_registry`] copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Credential records (with their signed texts).
    pub credentials: u64,
    /// Audit entries.
    pub audit_entries: u64,
    /// Status lists (with their published credentials, where signed).
    pub status_lists: u64,
}

/// Copies every record of `from` into `to`, which should be empty (an existing record with the
/// same key is overwritten): the identity, credentials and their texts, the source index and
/// version ledger, status lists and their published credentials, allocator states, the audit
/// chain, the key history, tokens and the credential count. The identity is written last, so
/// that a copy cut short is not taken for an initialised registry. `from` must not change
/// meanwhile (stop the issuer first).
pub fn copy_registry(
    from: &dyn RegistryStore,
    to: &dyn RegistryStore,
) -> Result<CopyReport, IssuerError> {
    let mut report = CopyReport::default();
    let Some(meta) = from.meta()? else {
        return Err(IssuerError::config(
            "the registry to copy was never initialised",
        ));
    };
    let mut after: Option<String> = None;
    loop {
        let page = from.credentials(after.as_deref(), PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        let mut batch = WriteBatch::default();
        for record in page {
            if let Some(text) = from.credential_text(&record.id)? {
                batch.push(Write::CredentialText {
                    id: record.id.clone(),
                    text,
                });
            }
            if let Some(source) = &record.source_record_id {
                if let Some(latest) = from.by_source(source)?
                    && latest == record.id
                {
                    batch.push(Write::Source {
                        source_record_id: source.clone(),
                        credential_id: latest,
                        replaces: None,
                    });
                }
                if let Some(version) = from.source_version(source)? {
                    batch.push(Write::SourceVersion {
                        source_record_id: source.clone(),
                        version,
                    });
                }
            }
            batch.push(Write::Credential(Box::new(record)));
            report.credentials += 1;
        }
        to.apply(batch)?;
    }
    let mut batch = WriteBatch::default();
    for list in from.status_lists()? {
        if let Some(published) = from.published(list.url())? {
            to.put_published(&published)?;
        }
        batch.push(Write::StatusList(Box::new(list)));
        report.status_lists += 1;
    }
    for purpose in StatusPurpose::ALL {
        if let Some(state) = from.allocator_state(purpose)? {
            to.put_allocator_state(purpose, &state)?;
        }
    }
    for key in from.keys()? {
        batch.push(Write::Key(key));
    }
    for token in from.tokens()? {
        batch.push(Write::Token(token));
    }
    batch.push(Write::CredentialCount(from.credential_count()?));
    to.apply(batch)?;
    let mut next = 0;
    loop {
        let entries = from.audit(next, PAGE)?;
        let Some(last) = entries.last() else { break };
        next = last.seq + 1;
        report.audit_entries += entries.len() as u64;
        to.apply(WriteBatch {
            writes: entries.into_iter().map(Write::Audit).collect(),
        })?;
    }
    to.apply(WriteBatch {
        writes: vec![Write::Meta(meta)],
    })?;
    to.flush()?;
    Ok(report)
}
