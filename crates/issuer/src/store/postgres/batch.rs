//! A [`WriteBatch`] as a few statements: one multi-row upsert per table
//! (`INSERT … SELECT * FROM unnest($1::text[], …) ON CONFLICT … DO UPDATE`), instead of one
//! statement per write. A group commit of 1,000 certificates writes about 5,000 rows; as
//! single statements they cost the server more than the signing costs the issuer (measured:
//! civitas-bench `--profile-issuance --postgres`, SPEC.md §17.8).
//!
//! Every write is a whole value, so writes to the same key within a batch are folded into the
//! last one, which is what applying them in order would leave (and a multi-row upsert may not
//! touch a row twice); a guarded write keeps the expectation of the first (the record's
//! revision, the source index entry, as they were read).
//!
//! Several instances write one database (SPEC.md §21.9), so a batch is applied against what
//! the transaction reads, not what the instance remembers: status entries set in the lists as
//! stored, new records and index entries inserted only where none exist, changed ones updated
//! only from what they were read as; then, holding the chain's head, the audit entries linked
//! after it and the count.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;

use civitas_status::StatusList;

use super::queries::Q;
use super::{CREDENTIAL_COUNT, bigint, json};
use crate::audit::{AuditEntry, ChainHead};
use crate::error::{IssuerError, StoreError};
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

/// A credential row: source record id, issue time, record JSON, revision.
type CredentialRow = (Option<String>, DateTime<Utc>, String, i64);

/// The batch's rows, per table.
#[derive(Default)]
struct Tables {
    meta: Option<String>,
    credentials: Rows<String, CredentialRow>,
    /// The revision of each record's first write in the batch (0: a new record).
    first_revision: HashMap<String, u64>,
    texts: Rows<String, String>,
    sources: Rows<String, String>,
    /// The credential each source record's first write replaces.
    replaces: HashMap<String, Option<String>>,
    versions: Rows<String, String>,
    lists: Rows<String, (String, i64)>,
    keys: Rows<i64, String>,
    tokens: Rows<String, String>,
}

/// What a batch writes once it holds the chain's head ([`Plan::chained`]): its audit entries
/// (linked then), and the credential count.
#[derive(Default)]
pub(super) struct Chained {
    audit: Vec<AuditEntry>,
    count: Option<i64>,
    issued: i64,
}

/// The statements of a batch: those that need no order between instances, then what is
/// written under the chain's head.
pub(super) struct Plan {
    pub(super) steps: Vec<Step>,
    pub(super) chained: Chained,
}

/// One statement of a batch, and for a compare-and-swap the number of rows it must change
/// and what it guards (a statement that changes fewer rows means another instance wrote
/// first).
pub(super) struct Step {
    pub(super) q: Q,
    pub(super) params: Params,
    pub(super) expect: Option<(u64, &'static str)>,
    /// The statement returns the number of rows it wrote (one row, one `bigint`), instead of
    /// the server's count of changed rows.
    pub(super) counted: bool,
}

impl Step {
    fn new(q: Q, params: Params) -> Self {
        Self {
            q,
            params,
            expect: None,
            counted: false,
        }
    }

    fn guarded(q: Q, params: Params, rows: usize, what: &'static str) -> Self {
        Self {
            q,
            params,
            expect: Some((rows as u64, what)),
            counted: false,
        }
    }
}

/// Two-column upsert `q` of `rows`, if there are any.
fn pairs<K, V>(out: &mut Vec<Step>, q: Q, rows: Rows<K, V>)
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
    out.push(Step::new(q, params![keys, values]));
}

/// The lists whose entries `batch` changes one by one ([`Write::StatusEntry`]): the
/// transaction reads them, locked, before [`statements`].
pub(super) fn entry_lists(batch: &WriteBatch) -> Vec<String> {
    let mut urls: Vec<String> = batch
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::StatusEntry { url, .. } => Some(url.clone()),
            _ => None,
        })
        .collect();
    urls.sort_unstable();
    urls.dedup();
    urls
}

/// The statements that apply `batch`, in one transaction: its status entries set in `lists`
/// (read in the transaction), its record and source index changes guarded by what they were
/// decided on; its audit entries and count are kept for [`Chained::steps`].
pub(super) fn statements(
    batch: WriteBatch,
    mut lists: HashMap<String, StatusList>,
) -> Result<Plan, IssuerError> {
    let mut t = Tables::default();
    let mut c = Chained::default();
    let mut changed_lists = Vec::new();
    for write in batch.writes {
        match write {
            Write::Meta(m) => t.meta = Some(json(&m)?),
            Write::Credential(r) => {
                let r = *r;
                let record = json(&r)?;
                t.first_revision.entry(r.id.clone()).or_insert(r.revision);
                let revision = bigint("record revision", r.revision)?;
                t.credentials
                    .put(r.id, (r.source_record_id, r.issued_at, record, revision));
            }
            Write::CredentialText { id, text } => t.texts.put(id, text),
            Write::Source {
                source_record_id,
                credential_id,
                replaces,
            } => {
                t.replaces
                    .entry(source_record_id.clone())
                    .or_insert(replaces);
                t.sources.put(source_record_id, credential_id);
            }
            Write::SourceVersion {
                source_record_id,
                version,
            } => t.versions.put(source_record_id, version),
            Write::StatusList(l) => {
                changed_lists.push(l.url().to_owned());
                lists.insert(l.url().to_owned(), *l);
            }
            Write::StatusEntry { url, index, value } => {
                let list = lists
                    .get_mut(&url)
                    .ok_or_else(|| IssuerError::Store(StoreError::MissingList(url.clone())))?;
                list.set(index, value)?;
                changed_lists.push(url);
            }
            Write::Audit(e) => c.audit.push(e),
            Write::Key(k) => t.keys.put(i64::from(k.number), json(&k)?),
            Write::Token(tok) => t.tokens.put(tok.hash.clone(), json(&tok)?),
            Write::CredentialCount(n) => {
                c.count = Some(bigint("credential count", n)?);
                c.issued = 0;
            }
            Write::CredentialsIssued(n) => {
                c.issued = c
                    .issued
                    .checked_add(bigint("credentials issued", n)?)
                    .ok_or_else(|| {
                        IssuerError::Store(StoreError::Backend("credential count overflows".into()))
                    })?;
            }
        }
    }
    for url in changed_lists {
        if let Some(list) = lists.get(&url) {
            let version = bigint("list version", list.version())?;
            t.lists.put(url, (json(list)?, version));
        }
    }
    let mut out = Vec::new();
    if let Some(meta) = t.meta {
        out.push(Step::new(Q::PutMeta, params![meta]));
    }
    credential_steps(&mut out, t.credentials, &t.first_revision);
    pairs(&mut out, Q::PutTexts, t.texts);
    source_steps(&mut out, t.sources, &t.replaces);
    pairs(&mut out, Q::PutSourceVersions, t.versions);
    if !t.lists.is_empty() {
        let (urls, rows): (Vec<String>, Vec<(String, i64)>) = t.lists.columns();
        let (texts, versions): (Vec<String>, Vec<i64>) = rows.into_iter().unzip();
        out.push(Step::new(Q::PutStatusLists, params![urls, texts, versions]));
    }
    pairs(&mut out, Q::PutKeys, t.keys);
    pairs(&mut out, Q::PutTokens, t.tokens);
    Ok(Plan {
        steps: out,
        chained: c,
    })
}

impl Chained {
    /// The statements written under the chain's head `head` (which moves): the audit entries
    /// linked after it, the count, the new head.
    pub(super) fn steps(self, head: &mut ChainHead) -> Result<Vec<Step>, IssuerError> {
        let mut audit = Rows::default();
        for e in self.audit {
            let e = head.relink(e);
            audit.put(bigint("audit seq", e.seq)?, json(&e)?);
        }
        let mut out = Vec::new();
        pairs(&mut out, Q::PutAuditEntries, audit);
        if let Some(n) = self.count {
            out.push(Step::new(
                Q::PutCounter,
                params![CREDENTIAL_COUNT.to_owned(), n],
            ));
        }
        if self.issued > 0 {
            out.push(Step::new(
                Q::AddCounter,
                params![CREDENTIAL_COUNT.to_owned(), self.issued],
            ));
        }
        let seq = bigint("audit seq", head.seq)?;
        out.push(Step::new(Q::PutChain, params![seq, head.hash.clone()]));
        Ok(out)
    }
}

/// Records: a new one (revision 0 at its first write) added where none exists, a changed
/// one updated from the revision it was read at (a record copied from another registry, with
/// a revision of its own, is added where it is missing).
fn credential_steps(
    out: &mut Vec<Step>,
    rows: Rows<String, CredentialRow>,
    first_revision: &HashMap<String, u64>,
) {
    if rows.is_empty() {
        return;
    }
    let n = rows.rows.len();
    let (mut ids, mut sources, mut times, mut records, mut revisions, mut expected) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (id, (source, time, record, revision)) in rows.rows {
        // the revision the record was read at; -1 (matching none) for a new one
        let first = first_revision.get(&id).copied().unwrap_or(0);
        expected.push(i64::try_from(first).map_or(i64::MAX, |f| f - 1));
        ids.push(id);
        sources.push(source);
        times.push(time);
        records.push(record);
        revisions.push(revision);
    }
    out.push(Step {
        q: Q::PutCredentials,
        params: params![ids, sources, times, records, revisions, expected],
        expect: Some((n as u64, "a credential record")),
        counted: true,
    });
}

/// Source record index entries: inserted where the issuance found none, else moved from the
/// credential it found.
fn source_steps(
    out: &mut Vec<Step>,
    rows: Rows<String, String>,
    replaces: &HashMap<String, Option<String>>,
) {
    let (mut new_sources, mut new_ids) = (Vec::new(), Vec::new());
    let (mut sources, mut ids, mut expected) = (Vec::new(), Vec::new(), Vec::new());
    for (source, id) in rows.rows {
        match replaces.get(&source).cloned().flatten() {
            None => {
                new_sources.push(source);
                new_ids.push(id);
            }
            Some(old) => {
                sources.push(source);
                ids.push(id);
                expected.push(old);
            }
        }
    }
    if !new_sources.is_empty() {
        let n = new_sources.len();
        out.push(Step::guarded(
            Q::InsertSources,
            params![new_sources, new_ids],
            n,
            "a source record's index",
        ));
    }
    if !sources.is_empty() {
        let n = sources.len();
        out.push(Step::guarded(
            Q::UpdateSources,
            params![sources, ids, expected],
            n,
            "a source record's index",
        ));
    }
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
