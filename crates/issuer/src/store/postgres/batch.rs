//! A [`WriteBatch`] as a few statements: one multi-row upsert per table
//! (`INSERT … SELECT * FROM unnest($1::text[], …) ON CONFLICT … DO UPDATE`), instead of one
//! statement per write. A group commit of 1,000 certificates writes about 5,000 rows; as
//! single statements they cost the server more than the signing costs the issuer (measured:
//! civitas-bench `--profile-issuance --postgres`, SPEC.md §17.8).
//!
//! Every write is a whole value, so writes to the same key within a batch are folded into the
//! last one, which is what applying them in order would leave (and a multi-row upsert may not
//! touch a row twice).

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;

use super::queries::Q;
use super::{CREDENTIAL_COUNT, bigint, json};
use crate::error::IssuerError;
use crate::store::{Write, WriteBatch};

/// Statement parameters.
pub(super) type Params = Vec<Box<dyn ToSql + Send + Sync>>;

/// Rows keyed by `K`, the last value for a key kept at the place of the first.
struct Rows<K, V> {
    at: HashMap<K, usize>,
    rows: Vec<(K, V)>,
}

impl<K: Eq + Hash + Clone, V> Default for Rows<K, V> {
    fn default() -> Self {
        Self {
            at: HashMap::new(),
            rows: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Clone, V> Rows<K, V> {
    fn put(&mut self, key: K, value: V) {
        match self.at.get(&key) {
            Some(&i) => self.rows[i].1 = value,
            None => {
                self.at.insert(key.clone(), self.rows.len());
                self.rows.push((key, value));
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The keys and the values, as two columns.
    fn columns(self) -> (Vec<K>, Vec<V>) {
        self.rows.into_iter().unzip()
    }
}

/// A credential row: source record id, issue time, record JSON.
type CredentialRow = (Option<String>, DateTime<Utc>, String);

/// The batch's rows, per table.
#[derive(Default)]
struct Tables {
    meta: Option<String>,
    credentials: Rows<String, CredentialRow>,
    texts: Rows<String, String>,
    sources: Rows<String, String>,
    versions: Rows<String, String>,
    lists: Rows<String, String>,
    audit: Rows<i64, String>,
    keys: Rows<i64, String>,
    tokens: Rows<String, String>,
    count: Option<i64>,
}

/// Two-column upsert `q` of `rows`, if there are any.
fn pairs<K, V>(out: &mut Vec<(Q, Params)>, q: Q, rows: Rows<K, V>)
where
    K: Eq + Hash + Clone + ToSql + Send + Sync + 'static,
    V: ToSql + Send + Sync + 'static,
    Vec<K>: ToSql,
    Vec<V>: ToSql,
{
    if rows.is_empty() {
        return;
    }
    let (keys, values) = rows.columns();
    out.push((q, params![keys, values]));
}

/// The statements that apply `batch`, in one transaction.
pub(super) fn statements(batch: WriteBatch) -> Result<Vec<(Q, Params)>, IssuerError> {
    let mut t = Tables::default();
    for write in batch.writes {
        match write {
            Write::Meta(m) => t.meta = Some(json(&m)?),
            Write::Credential(r) => {
                let record = json(&r)?;
                t.credentials
                    .put(r.id, (r.source_record_id, r.issued_at, record));
            }
            Write::CredentialText { id, text } => t.texts.put(id, text),
            Write::Source {
                source_record_id,
                credential_id,
            } => t.sources.put(source_record_id, credential_id),
            Write::SourceVersion {
                source_record_id,
                version,
            } => t.versions.put(source_record_id, version),
            Write::StatusList(l) => t.lists.put(l.url().to_owned(), json(&*l)?),
            Write::Audit(e) => t.audit.put(bigint("audit seq", e.seq)?, json(&e)?),
            Write::Key(k) => t.keys.put(i64::from(k.number), json(&k)?),
            Write::Token(tok) => t.tokens.put(tok.hash.clone(), json(&tok)?),
            Write::CredentialCount(n) => t.count = Some(bigint("credential count", n)?),
        }
    }
    let mut out = Vec::new();
    if let Some(meta) = t.meta {
        out.push((Q::PutMeta, params![meta]));
    }
    if !t.credentials.is_empty() {
        let (ids, rows) = t.credentials.columns();
        let mut sources = Vec::with_capacity(rows.len());
        let mut times = Vec::with_capacity(rows.len());
        let mut records = Vec::with_capacity(rows.len());
        for (source, time, record) in rows {
            sources.push(source);
            times.push(time);
            records.push(record);
        }
        out.push((Q::PutCredentials, params![ids, sources, times, records]));
    }
    pairs(&mut out, Q::PutTexts, t.texts);
    pairs(&mut out, Q::PutSources, t.sources);
    pairs(&mut out, Q::PutSourceVersions, t.versions);
    pairs(&mut out, Q::PutStatusLists, t.lists);
    pairs(&mut out, Q::PutAuditEntries, t.audit);
    pairs(&mut out, Q::PutKeys, t.keys);
    pairs(&mut out, Q::PutTokens, t.tokens);
    if let Some(n) = t.count {
        out.push((Q::PutCounter, params![CREDENTIAL_COUNT.to_owned(), n]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Rows;

    #[test]
    fn the_last_write_to_a_key_wins_in_the_place_of_the_first() {
        let mut rows = Rows::default();
        rows.put("a", 1);
        rows.put("b", 2);
        rows.put("a", 3);
        assert_eq!(rows.columns(), (vec!["a", "b"], vec![3, 2]));
    }
}
