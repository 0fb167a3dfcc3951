//! The audit log: append-only and hash-chained.
//!
//! Every issuance, status change, key change and token creation appends one [`AuditEntry`]:
//! a sequence number (from 1, no gaps), the time, the actor (the token's name, or `cli`), the
//! action, the subject (a credential id, a verification method, a token name) and details.
//!
//! Chain rule: `hash = SHA-256(prev ‖ JCS(entry without "hash"))`, where `prev` is the 32 raw
//! bytes of the previous entry's hash (32 zero bytes for entry 1), JCS the canonical JSON of
//! [`crate::jcs`] and `prev` also appears, hex, in the entry. [`verify_chain`] recomputes every
//! link and reports the first broken one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::jcs::canonical_json;

/// The `prev` of the first entry: 32 zero bytes, hex.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// The issuer was initialised (DID, first key).
    Init,
    /// A credential was issued.
    Issue,
    /// A credential was revoked.
    Revoke,
    /// A credential was suspended.
    Suspend,
    /// A suspension was lifted.
    Reinstate,
    /// A credential's `message` status was set.
    Message,
    /// A key was added and became the signing key (rotation).
    KeyRotate,
    /// A token was created.
    TokenCreate,
    /// A credential offer (OpenID4VCI) was made for a record.
    Offer,
}

impl AuditAction {
    /// The action's name as written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Issue => "issue",
            Self::Revoke => "revoke",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
            Self::Message => "message",
            Self::KeyRotate => "key-rotate",
            Self::TokenCreate => "token-create",
            Self::Offer => "offer",
        }
    }
}

/// An event to append (the log assigns the sequence number and the hashes).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Who asked (a token name, or `cli`).
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// What it happened to.
    pub subject: String,
    /// Details (reason, type, source record id, status entries, key…).
    pub details: Value,
}

impl AuditEvent {
    /// An event.
    pub fn new(actor: &str, action: AuditAction, subject: &str, details: Value) -> Self {
        Self {
            actor: actor.to_owned(),
            action,
            subject: subject.to_owned(),
            details,
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number, from 1.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub time: DateTime<Utc>,
    /// Who asked.
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// What it happened to.
    pub subject: String,
    /// Details.
    pub details: Value,
    /// The previous entry's hash (hex), [`GENESIS`] for the first.
    pub prev: String,
    /// This entry's hash (hex).
    pub hash: String,
}

/// The head of the chain: the last sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The last entry's sequence number (0: empty log).
    pub seq: u64,
    /// The last entry's hash ([`GENESIS`] for an empty log).
    pub hash: String,
}

impl Default for ChainHead {
    fn default() -> Self {
        Self {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

impl ChainHead {
    /// The head after `entry`.
    pub fn of(entry: &AuditEntry) -> Self {
        Self {
            seq: entry.seq,
            hash: entry.hash.clone(),
        }
    }

    /// Appends `event` at `time`: returns the new entry and moves the head.
    pub fn append(&mut self, event: AuditEvent, time: DateTime<Utc>) -> AuditEntry {
        let mut entry = AuditEntry {
            seq: self.seq + 1,
            time,
            actor: event.actor,
            action: event.action,
            subject: event.subject,
            details: event.details,
            prev: self.hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry);
        *self = Self::of(&entry);
        entry
    }

    /// Links `entry` after this head: unchanged when it already follows it (the usual case),
    /// otherwise with the next sequence number, this head's hash as `prev` and its hash
    /// computed again. Moves the head. Several issuer instances writing one registry chain
    /// their entries this way, inside the transaction that holds the chain's head (SPEC.md
    /// §21.9).
    pub fn relink(&mut self, mut entry: AuditEntry) -> AuditEntry {
        if entry.seq != self.seq + 1 || entry.prev != self.hash {
            entry.seq = self.seq + 1;
            entry.prev = self.hash.clone();
            entry.hash = entry_hash(&entry);
        }
        *self = Self::of(&entry);
        entry
    }
}

/// The hash an entry must carry: `SHA-256(prev bytes ‖ JCS(entry without hash))`, hex. An
/// unreadable `prev` hashes as 32 zero bytes (and fails the link check anyway).
pub fn entry_hash(entry: &AuditEntry) -> String {
    let mut value = serde_json::to_value(entry).unwrap_or(Value::Null);
    if let Some(o) = value.as_object_mut() {
        o.remove("hash");
    }
    let prev = hex::decode(&entry.prev).unwrap_or_else(|_| vec![0; 32]);
    let mut h = Sha256::new();
    h.update(&prev);
    h.update(canonical_json(&value));
    hex::encode(h.finalize())
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {reason}")]
pub struct BrokenLink {
    /// The sequence number of the first entry that does not verify (or the number expected
    /// where one is missing).
    pub seq: u64,
    /// Why.
    pub reason: String,
}

/// What a verification of the whole chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Entries checked.
    pub entries: u64,
    /// The last hash (the head), if any entry.
    pub head: Option<String>,
}

/// Checks a chain one entry at a time (for logs too large to hold in memory).
#[derive(Debug, Clone, Default)]
pub struct ChainVerifier {
    head: ChainHead,
}

impl ChainVerifier {
    /// A verifier expecting entry 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next entry: its sequence number, its `prev` link and its hash.
    pub fn push(&mut self, entry: &AuditEntry) -> Result<(), BrokenLink> {
        let head = &self.head;
        let expected = head.seq + 1;
        if entry.seq != expected {
            return Err(BrokenLink {
                seq: expected,
                reason: format!("expected entry {expected}, found entry {}", entry.seq),
            });
        }
        if entry.prev != head.hash {
            return Err(BrokenLink {
                seq: entry.seq,
                reason: format!(
                    "`prev` is {}, but the previous entry's hash is {}",
                    entry.prev, head.hash
                ),
            });
        }
        let computed = entry_hash(entry);
        if computed != entry.hash {
            return Err(BrokenLink {
                seq: entry.seq,
                reason: format!(
                    "the entry was altered: its hash is {}, its content hashes to {computed}",
                    entry.hash
                ),
            });
        }
        self.head = ChainHead::of(entry);
        Ok(())
    }

    /// What was verified so far.
    pub fn report(&self) -> ChainReport {
        ChainReport {
            entries: self.head.seq,
            head: (self.head.seq > 0).then(|| self.head.hash.clone()),
        }
    }
}

/// Recomputes the chain over `entries` (in log order) and reports the first broken link: a
/// missing or repeated sequence number, a `prev` that is not the previous hash, or a `hash`
/// that does not match the entry.
pub fn verify_chain<I>(entries: I) -> Result<ChainReport, BrokenLink>
where
    I: IntoIterator<Item = AuditEntry>,
{
    let mut verifier = ChainVerifier::new();
    for entry in entries {
        verifier.push(&entry)?;
    }
    Ok(verifier.report())
}

/// Verifies an exported log: JSON lines, one [`AuditEntry`] per line (as `GET /audit` and
/// `civitas audit export` write them). A line that is not an entry is a broken link.
pub fn verify_json_lines(reader: impl std::io::BufRead) -> Result<ChainReport, BrokenLink> {
    let mut verifier = ChainVerifier::new();
    for (i, line) in reader.lines().enumerate() {
        let expected = verifier.report().entries + 1;
        let line = line.map_err(|e| BrokenLink {
            seq: expected,
            reason: format!("line {}: {e}", i + 1),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: AuditEntry = serde_json::from_str(&line).map_err(|e| BrokenLink {
            seq: expected,
            reason: format!("line {} is not an audit entry: {e}", i + 1),
        })?;
        verifier.push(&entry)?;
    }
    Ok(verifier.report())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut head = ChainHead::default();
        (0..n)
            .map(|i| {
                head.append(
                    AuditEvent::new(
                        "admin",
                        AuditAction::Issue,
                        &format!("urn:uuid:{i}"),
                        json!({"i": i}),
                    ),
                    Utc::now(),
                )
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let report = verify_chain(chain(5)).unwrap();
        assert_eq!(report.entries, 5);
    }

    #[test]
    fn the_first_broken_link_is_reported() {
        let mut c = chain(5);
        c[2].actor = "mallory".into();
        assert_eq!(verify_chain(c).unwrap_err().seq, 3);
        let mut c = chain(5);
        c.remove(1);
        let e = verify_chain(c).unwrap_err();
        assert_eq!(e.seq, 2);
        let mut c = chain(5);
        let h = entry_hash(&c[3]);
        c[3].details = json!({"i": 99});
        c[3].hash = h;
        assert_eq!(verify_chain(c).unwrap_err().seq, 4);
    }
}
