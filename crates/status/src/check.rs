//! Checking the status of a credential: each `credentialStatus` entry looked up in the cache,
//! with the issuer, purpose and range checks, and the verdict per purpose as a report
//! [`Outcome`].

use chrono::{DateTime, Utc};
use civitas_core::credential::Credential;
use civitas_core::report::Outcome;
use serde_json::Value;

use crate::cache::{Found, FreshnessPolicy, ReadCache, StaleReason, StatusListCache};
use crate::entry::{ENTRY_TYPE, EntryView, Members, StatusPurpose, has_entry_type, type_names};
use crate::error::StatusError;

/// What one entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryState {
    /// A fresh list says 0: not revoked / not suspended.
    Clear,
    /// A fresh list says the value is not 0.
    Set {
        /// The value.
        value: u8,
        /// The entry's `statusMessage` for the value, if any.
        message: Option<String>,
    },
    /// The list is cached but stale. `value` is what it says (a revocation stays final).
    Stale {
        /// Why it is stale.
        reason: StaleReason,
        /// The value the stale list gives.
        value: u8,
    },
    /// No list is cached for the entry's URL.
    Missing,
    /// The entry is malformed, or it does not fit the list (issuer, purpose, range).
    Invalid(StatusError),
    /// Not a `BitstringStatusListEntry` (e.g. an older `StatusList2021Entry`).
    Unsupported {
        /// The entry's type(s).
        entry_type: String,
    },
}

/// One `credentialStatus` entry and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryCheck {
    /// Its position in `credentialStatus`.
    pub position: usize,
    /// Its purpose, if it could be read.
    pub purpose: Option<StatusPurpose>,
    /// The status list URL, if it could be read.
    pub list_url: Option<String>,
    /// The index, if it could be read.
    pub index: Option<u64>,
    /// What the entry says.
    pub state: EntryState,
}

impl EntryCheck {
    fn place(&self) -> String {
        match (&self.index, &self.list_url) {
            (Some(i), Some(u)) => format!("index {i} of status list {u}"),
            (None, Some(u)) => format!("an entry of status list {u}"),
            _ => format!("credentialStatus entry {}", self.position),
        }
    }
}

/// The status of one credential: every entry checked against the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialStatus {
    /// The credential's issuer (every list must be issued by it).
    pub issuer: String,
    /// One check per `credentialStatus` entry.
    pub entries: Vec<EntryCheck>,
}

fn participle(purpose: StatusPurpose) -> &'static str {
    match purpose {
        StatusPurpose::Revocation => "revoked",
        StatusPurpose::Suspension => "suspended",
        StatusPurpose::Message => "flagged",
        StatusPurpose::Refresh => "due for refresh",
    }
}

impl CredentialStatus {
    /// Checks every `credentialStatus` entry of `credential` against the lists in `cache`.
    pub fn check(
        credential: &Credential,
        cache: &StatusListCache,
        policy: &FreshnessPolicy,
        now: DateTime<Utc>,
    ) -> Self {
        let issuer = credential.issuer();
        let lists = cache.read();
        let check = |(position, value)| check_entry(position, value, issuer, &lists, policy, now);
        let entries = match credential.member("credentialStatus") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().enumerate().map(check).collect(),
            Some(one) => vec![check((0, one))],
        };
        Self {
            issuer: issuer.to_owned(),
            entries,
        }
    }

    /// The entries of `purpose`.
    pub fn of(&self, purpose: StatusPurpose) -> impl Iterator<Item = &EntryCheck> {
        self.entries
            .iter()
            .filter(move |e| e.purpose == Some(purpose))
    }

    /// Whether a fresh (or, revocation being final, any) list shows an entry of `purpose` set.
    pub fn is_set(&self, purpose: StatusPurpose) -> bool {
        self.of(purpose).any(|e| match e.state {
            EntryState::Set { .. } => true,
            EntryState::Stale { value, .. } => value != 0 && purpose == StatusPurpose::Revocation,
            _ => false,
        })
    }

    /// The verdict for `purpose`: passed when every entry of that purpose is clear in a fresh
    /// list; failed when one is set (revoked, suspended) or invalid; indeterminate when a list
    /// is stale or missing; not applicable when the credential has no entry of that purpose.
    pub fn outcome(&self, purpose: StatusPurpose) -> Outcome {
        let entries: Vec<&EntryCheck> = self.of(purpose).collect();
        if entries.is_empty() {
            return Outcome::not_applicable(format!(
                "the credential has no {purpose} status entry"
            ));
        }
        let mut failed = Vec::new();
        let mut unknown = Vec::new();
        let mut passed = Vec::new();
        for e in &entries {
            let place = e.place();
            match &e.state {
                EntryState::Clear => passed.push(format!("not {}: {place} is clear", participle(purpose))),
                EntryState::Set { value, message } => {
                    let what = match message {
                        Some(m) => format!("{} ({m})", participle(purpose)),
                        None if *value == 1 => participle(purpose).to_owned(),
                        None => format!("{} (status {value:#x})", participle(purpose)),
                    };
                    failed.push(format!("{what}: {place} is set"));
                }
                EntryState::Stale { reason, value } if *value != 0 && purpose == StatusPurpose::Revocation => {
                    failed.push(format!(
                        "revoked: {place} is set (the list is stale: {reason}; but revocation is final)"
                    ));
                }
                EntryState::Stale { reason, value } => unknown.push(if *value != 0 {
                    format!("{place} was {} but the list is stale: {reason}", participle(purpose))
                } else {
                    format!("{place} cannot be confirmed: the list is stale: {reason}")
                }),
                EntryState::Missing => unknown.push(format!(
                    "{place} cannot be checked: the status list is not available"
                )),
                EntryState::Invalid(err) => failed.push(format!("{place}: {err}")),
                EntryState::Unsupported { entry_type } => unknown.push(format!(
                    "{place} cannot be checked: status entries of type {entry_type} are not supported (only {ENTRY_TYPE})"
                )),
            }
        }
        if !failed.is_empty() {
            Outcome::failed(failed.join("; "))
        } else if !unknown.is_empty() {
            Outcome::indeterminate(unknown.join("; "))
        } else {
            Outcome::passed(passed.join("; "))
        }
    }
}

fn check_entry(
    position: usize,
    value: &Value,
    issuer: &str,
    lists: &ReadCache<'_>,
    policy: &FreshnessPolicy,
    now: DateTime<Utc>,
) -> EntryCheck {
    let members = value.as_object().map(Members::of).unwrap_or_default();
    let mut check = EntryCheck {
        position,
        purpose: members
            .purpose
            .and_then(Value::as_str)
            .and_then(|s| StatusPurpose::parse(s).ok()),
        list_url: members.list.and_then(Value::as_str).map(str::to_owned),
        index: None,
        state: EntryState::Missing,
    };
    let entry_type = members.types.unwrap_or(&Value::Null);
    if !has_entry_type(entry_type) {
        check.state = EntryState::Unsupported {
            entry_type: type_names(entry_type),
        };
        return check;
    }
    let entry = match EntryView::from_members(members, Some(position)) {
        Ok(entry) => entry,
        Err(e) => {
            check.state = EntryState::Invalid(e);
            return check;
        }
    };
    check.index = Some(entry.index);
    check.state = match lists.lookup(entry.list_credential, now, policy) {
        Found::Missing => EntryState::Missing,
        Found::Fresh(list) => match list.status_of_view(&entry, issuer) {
            Ok(0) => EntryState::Clear,
            Ok(value) => EntryState::Set {
                value,
                message: entry.message_for(value).map(str::to_owned),
            },
            Err(e) => EntryState::Invalid(e),
        },
        Found::Stale { list, reason } => match list.status_of_view(&entry, issuer) {
            Ok(value) => EntryState::Stale { reason, value },
            Err(e) => EntryState::Invalid(e),
        },
    };
    check
}

impl std::fmt::Display for CredentialStatus {
    /// One line per entry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.entries {
            let purpose = e.purpose.map_or("(unknown purpose)", StatusPurpose::as_str);
            let state = match &e.state {
                EntryState::Clear => "clear".to_owned(),
                EntryState::Set { value, message } => match message {
                    Some(m) => format!("SET {value:#x} ({m})"),
                    None => format!("SET {value:#x}"),
                },
                EntryState::Stale { reason, value } => {
                    format!("stale ({reason}); value {value:#x}")
                }
                EntryState::Missing => "list not available".to_owned(),
                EntryState::Invalid(err) => format!("INVALID: {err}"),
                EntryState::Unsupported { entry_type } => format!("unsupported type {entry_type}"),
            };
            writeln!(f, "{purpose:<10} {}: {state}", e.place())?;
        }
        Ok(())
    }
}
