//! The committer: the issuer's single writer, with group commit.
//!
//! Requests prepare their writes in parallel (validation, status allocation, signing) and hand
//! them to the committer as `Job`s. The committer takes every job waiting in its queue, turns
//! them into one atomic [`WriteBatch`] — applying status changes to the [`StatusBook`] and
//! appending audit entries in order — applies it, calls [`RegistryStore::flush`] once, and only
//! then answers every job of the group. While it flushes, the next group gathers. One flush per
//! group is what makes both concurrent single requests and batches fast without weakening the
//! promise that nothing is acknowledged before it is on disk.
//!
//! If the store fails to apply or flush, the in-memory state may be ahead of the disk: the
//! committer answers the group with the error and refuses every later job (the issuer answers
//! 503 until restarted, and a restart reloads the truth from disk).
//!
//! A store shared by several instances ([`RegistryStore::shared`]) is written differently
//! (SPEC.md §21.9): a status list is read from the store before a group changes it and is
//! changed entry by entry ([`Write::StatusEntry`]); records carry the revision they were
//! changed from and source record index writes the credential they replace, which the store
//! checks; the credential count grows by increments. Nothing in memory is then ahead of the
//! store, so a failed group is answered with its error and the next group is tried as usual:
//! the issuer recovers by itself when the database comes back.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use civitas_status::{StatusList, StatusPurpose};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use crate::audit::{AuditAction, AuditEvent, ChainHead};
use crate::error::{IssuerError, StoreError, UnavailableReason, UnknownName};
use crate::status::StatusBook;
use crate::store::{CredentialRecord, RegistryStore, Write, WriteBatch};

/// Most jobs in one group.
const MAX_GROUP: usize = 4096;

/// A credential ready to be recorded.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) record: CredentialRecord,
    pub(crate) text: String,
    /// The credential this one supersedes (revoked in the same commit).
    pub(crate) supersedes: Option<String>,
    /// The source record's version to record in the same commit (only when it is higher than
    /// the one recorded: the pipeline decides, under the source record's lock).
    pub(crate) source_version: Option<String>,
}

/// A status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusAction {
    /// Revoke (final).
    Revoke,
    /// Suspend (can be lifted).
    Suspend,
    /// Lift a suspension.
    Reinstate,
    /// Set the `message` status to a value (see [`StatusMessages`](crate::config::StatusMessages)).
    Message(u8),
}

impl StatusAction {
    /// The action's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
            Self::Message(_) => "message",
        }
    }
}

impl std::str::FromStr for StatusAction {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "revoke" | "revoked" => Ok(Self::Revoke),
            "suspend" | "suspended" => Ok(Self::Suspend),
            "reinstate" | "lift" | "active" | "unsuspend" => Ok(Self::Reinstate),
            other => Err(UnknownName {
                given: other.to_owned(),
                what: "a status action",
                accepted: "revoke, suspend, reinstate",
            }),
        }
    }
}

/// What a status change did.
#[derive(Debug, Clone)]
pub(crate) struct StatusResult {
    pub(crate) record: CredentialRecord,
    pub(crate) changed: bool,
    /// Lists changed, with the version to wait for.
    pub(crate) lists: Vec<(String, u64)>,
}

/// Work for the committer.
pub(crate) enum Job {
    Issue {
        items: Vec<Prepared>,
        actor: String,
        reply: oneshot::Sender<Result<Vec<(String, u64)>, IssuerError>>,
    },
    Status {
        id: String,
        action: StatusAction,
        reason: Option<String>,
        actor: String,
        reply: oneshot::Sender<Result<StatusResult, IssuerError>>,
    },
    Records {
        writes: Vec<Write>,
        events: Vec<AuditEvent>,
        reply: oneshot::Sender<Result<(), IssuerError>>,
    },
}

/// The handle requests use to submit jobs.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    tx: mpsc::UnboundedSender<Job>,
    failed: Arc<AtomicBool>,
}

impl Committer {
    /// Starts the committer task.
    pub(crate) fn start(
        store: Arc<dyn RegistryStore>,
        book: Arc<Mutex<StatusBook>>,
        head: ChainHead,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let failed = Arc::new(AtomicBool::new(false));
        let task = Task {
            shared: store.shared(),
            store,
            book,
            head,
            failed: failed.clone(),
        };
        tokio::spawn(task.run(rx));
        Self { tx, failed }
    }

    fn send(&self, job: Job) -> Result<(), IssuerError> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(IssuerError::Unavailable(
                UnavailableReason::EarlierWriteFailed,
            ));
        }
        self.tx
            .send(job)
            .map_err(|_| IssuerError::Unavailable(UnavailableReason::CommitterStopped))
    }

    /// Records issued credentials; returns the lists changed (by supersessions, and copies of
    /// records revoked or suspended meanwhile).
    pub(crate) async fn issue(
        &self,
        items: Vec<Prepared>,
        actor: &str,
    ) -> Result<Vec<(String, u64)>, IssuerError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Issue {
            items,
            actor: actor.to_owned(),
            reply,
        })?;
        rx.await
            .map_err(|_| IssuerError::Unavailable(UnavailableReason::CommitterStopped))?
    }

    /// Changes a credential's status.
    pub(crate) async fn status(
        &self,
        id: &str,
        action: StatusAction,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusResult, IssuerError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Status {
            id: id.to_owned(),
            action,
            reason: reason.map(str::to_owned),
            actor: actor.to_owned(),
            reply,
        })?;
        rx.await
            .map_err(|_| IssuerError::Unavailable(UnavailableReason::CommitterStopped))?
    }

    /// Writes records with audit events.
    pub(crate) async fn records(
        &self,
        writes: Vec<Write>,
        events: Vec<AuditEvent>,
    ) -> Result<(), IssuerError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Records {
            writes,
            events,
            reply,
        })?;
        rx.await
            .map_err(|_| IssuerError::Unavailable(UnavailableReason::CommitterStopped))?
    }
}

struct Task {
    store: Arc<dyn RegistryStore>,
    /// Several instances write the store ([`RegistryStore::shared`]).
    shared: bool,
    book: Arc<Mutex<StatusBook>>,
    head: ChainHead,
    failed: Arc<AtomicBool>,
}

enum Reply {
    /// With whether the job changed a status bit.
    Issue(
        oneshot::Sender<Result<Vec<(String, u64)>, IssuerError>>,
        bool,
    ),
    Status(
        oneshot::Sender<Result<StatusResult, IssuerError>>,
        Box<Result<StatusResult, IssuerError>>,
    ),
    Records(oneshot::Sender<Result<(), IssuerError>>),
}

/// One group being assembled.
struct Group<'a> {
    task: &'a mut Task,
    now: DateTime<Utc>,
    batch: WriteBatch,
    /// Records changed in this group (later jobs must see earlier jobs' changes).
    overlay: HashMap<String, CredentialRecord>,
    /// Lists changed in this group.
    lists: BTreeMap<String, u64>,
    /// Credentials issued in this group.
    issued: u64,
    /// Lists read from a shared store in this group (each once, before its first change).
    fresh: HashSet<String>,
}

impl Group<'_> {
    fn audit(&mut self, event: AuditEvent) {
        let entry = self.task.head.append(event, self.now);
        self.batch.push(Write::Audit(entry));
    }

    fn record(&self, id: &str) -> Result<Option<CredentialRecord>, IssuerError> {
        match self.overlay.get(id) {
            Some(r) => Ok(Some(r.clone())),
            None => self.task.store.credential(id),
        }
    }

    /// Writes a changed record: one revision after the one it was read at.
    fn put_record(&mut self, mut record: CredentialRecord) {
        record.revision += 1;
        self.put_new_record(record);
    }

    /// Writes a record as it is (a new one: revision 0).
    fn put_new_record(&mut self, record: CredentialRecord) {
        self.overlay.insert(record.id.clone(), record.clone());
        self.batch.push(Write::Credential(Box::new(record)));
    }

    /// The book's list at `url`, to change; read from a shared store first (once per group:
    /// another instance may have changed it).
    fn list_to_change<'b>(
        &mut self,
        book: &'b mut StatusBook,
        url: &str,
    ) -> Result<&'b mut StatusList, IssuerError> {
        if self.task.shared && !self.fresh.contains(url) {
            let stored = self
                .task
                .store
                .status_list(url)?
                .ok_or_else(|| IssuerError::Store(StoreError::MissingList(url.to_owned())))?;
            book.replace_list(stored);
            self.fresh.insert(url.to_owned());
        }
        book.list_mut(url)
    }

    /// Records that entry `index` of `list` changed: the list's new version, and for a shared
    /// store the entry itself.
    fn changed_entry(&mut self, list: &StatusList, index: u64) -> Result<(), IssuerError> {
        self.lists.insert(list.url().to_owned(), list.version());
        if self.task.shared {
            self.batch.push(Write::StatusEntry {
                url: list.url().to_owned(),
                index,
                value: list.get(index)?,
            });
        }
        Ok(())
    }

    /// Sets (`true`) or clears the bit of `purpose` for `record` in the book.
    fn set_bit(
        &mut self,
        record: &CredentialRecord,
        purpose: StatusPurpose,
        on: bool,
    ) -> Result<bool, IssuerError> {
        let Some(r) = record.status_ref(purpose) else {
            return Ok(false);
        };
        let book = self.task.book.clone();
        let mut book = book
            .lock()
            .map_err(|_| IssuerError::Unavailable(UnavailableReason::Poisoned("status book")))?;
        let list = self.list_to_change(&mut book, &r.list)?;
        let changed = match (purpose, on) {
            (StatusPurpose::Revocation, true) => list.revoke(r.index)?,
            (StatusPurpose::Suspension, true) => list.suspend(r.index)?,
            (StatusPurpose::Suspension, false) => list.lift_suspension(r.index)?,
            _ => false,
        };
        if changed {
            self.changed_entry(list, r.index)?;
        }
        Ok(changed)
    }

    /// Sets the `message` status of `record` to `value` (a value its entry explains).
    fn set_message(
        &mut self,
        record: CredentialRecord,
        value: u8,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusResult, IssuerError> {
        let id = record.id.clone();
        let Some(r) = record.message.clone() else {
            return Err(IssuerError::StatusConflict {
                credential: id,
                reason: "it has no message status entry (only VC-API credentials of an issuer with status messages have one)".to_owned(),
            });
        };
        let changed = {
            let book = self.task.book.clone();
            let mut book = book.lock().map_err(|_| {
                IssuerError::Unavailable(UnavailableReason::Poisoned("status book"))
            })?;
            let list = self.list_to_change(&mut book, &r.list)?;
            let max = list.status_size().max_value();
            if value > max {
                return Err(IssuerError::invalid(
                    "/message",
                    format!(
                        "must be 0x0 to {max:#x}: the message entry has {} bits",
                        list.status_size().bits()
                    ),
                ));
            }
            let changed = list.set_message(r.index, value)?;
            if changed {
                self.changed_entry(list, r.index)?;
            }
            changed
        };
        let lists = match self.lists.get(&r.list) {
            Some(v) if changed => vec![(r.list.clone(), *v)],
            _ => Vec::new(),
        };
        if changed {
            let details = json!({"reason": reason, "list": r.list, "index": r.index,
                                 "status": format!("{value:#x}")});
            self.audit(AuditEvent::new(actor, AuditAction::Message, &id, details));
            self.put_record(record.clone());
        }
        Ok(StatusResult {
            record,
            changed,
            lists,
        })
    }

    fn revoke_superseded(
        &mut self,
        old_id: &str,
        new_id: &str,
        actor: &str,
    ) -> Result<(), IssuerError> {
        let Some(mut old) = self.record(old_id)? else {
            return Err(IssuerError::UnknownCredential(old_id.to_owned()));
        };
        // A credential without status entries (VC 1.1) is marked superseded, not revoked.
        if !old.without_status && self.set_bit(&old, StatusPurpose::Revocation, true)? {
            old.revoked_at = Some(self.now);
            self.audit(AuditEvent::new(
                actor,
                AuditAction::Revoke,
                old_id,
                json!({"reason": format!("superseded by {new_id}"), "supersededBy": new_id,
                       "list": old.revocation.list, "index": old.revocation.index}),
            ));
        }
        old.superseded_by = Some(new_id.to_owned());
        let copies = old.copies.clone();
        self.put_record(old);
        let reason = format!("its record {old_id} was superseded by {new_id}");
        self.cascade(&copies, StatusAction::Revoke, Some(&reason), old_id, actor)?;
        Ok(())
    }

    /// Applies `action` to the holder-bound copies of record `original` (the same commit as the
    /// record's own change). A copy whose own status makes the action moot (a revoked copy) is
    /// left as it is. Returns the lists changed, with their versions.
    fn cascade(
        &mut self,
        copies: &[String],
        action: StatusAction,
        reason: Option<&str>,
        original: &str,
        actor: &str,
    ) -> Result<Vec<(String, u64)>, IssuerError> {
        let mut lists = Vec::new();
        for copy_id in copies {
            let Some(mut copy) = self.record(copy_id)? else {
                return Err(IssuerError::UnknownCredential(copy_id.clone()));
            };
            if copy.revoked_at.is_some() {
                continue;
            }
            let (purpose, on) = match action {
                StatusAction::Revoke => (StatusPurpose::Revocation, true),
                StatusAction::Suspend => (StatusPurpose::Suspension, true),
                StatusAction::Reinstate => (StatusPurpose::Suspension, false),
                StatusAction::Message(_) => continue,
            };
            if !self.set_bit(&copy, purpose, on)? {
                continue;
            }
            match action {
                StatusAction::Revoke => copy.revoked_at = Some(self.now),
                _ => copy.suspended = on,
            }
            let target = match purpose {
                StatusPurpose::Revocation => &copy.revocation,
                _ => &copy.suspension,
            };
            if let Some(v) = self.lists.get(&target.list) {
                lists.push((target.list.clone(), *v));
            }
            let details = json!({"reason": reason, "list": target.list, "index": target.index,
                                 "copyOf": original});
            self.audit(AuditEvent::new(
                actor,
                audit_action(action),
                copy_id,
                details,
            ));
            self.put_record(copy);
        }
        Ok(lists)
    }

    /// Records a holder-bound copy on its record, and gives the copy the record's status as it
    /// is in this commit: a copy of a record revoked or suspended meanwhile is born revoked or
    /// suspended. Returns whether a status bit changed.
    fn link_copy(
        &mut self,
        original: &str,
        copy: &mut CredentialRecord,
        actor: &str,
    ) -> Result<bool, IssuerError> {
        let Some(mut record) = self.record(original)? else {
            return Err(IssuerError::UnknownCredential(original.to_owned()));
        };
        record.copies.push(copy.id.clone());
        let (revoked, suspended) = (record.revoked_at.is_some(), record.suspended);
        self.put_record(record);
        let mut touched = false;
        for (purpose, action, applies) in [
            (StatusPurpose::Revocation, StatusAction::Revoke, revoked),
            (
                StatusPurpose::Suspension,
                StatusAction::Suspend,
                suspended && !revoked,
            ),
        ] {
            if applies && self.set_bit(copy, purpose, true)? {
                touched = true;
                match action {
                    StatusAction::Revoke => copy.revoked_at = Some(self.now),
                    _ => copy.suspended = true,
                }
                let r = copy.status_ref(purpose).cloned();
                let details = json!({"reason": format!("its record {original} is {}", if revoked {"revoked"} else {"suspended"}),
                                     "list": r.as_ref().map(|r| r.list.clone()),
                                     "index": r.as_ref().map(|r| r.index), "copyOf": original});
                self.audit(AuditEvent::new(
                    actor,
                    audit_action(action),
                    &copy.id,
                    details,
                ));
            }
        }
        Ok(touched)
    }

    /// Records issued credentials; returns whether a status bit changed (a superseded
    /// credential revoked, a copy born revoked or suspended).
    fn issue(&mut self, items: Vec<Prepared>, actor: &str) -> Result<bool, IssuerError> {
        let mut touched = false;
        for item in items {
            touched |= item.supersedes.is_some();
            let new_id = item.record.id.clone();
            if let Some(old) = &item.supersedes {
                self.revoke_superseded(old, &new_id, actor)?;
            }
            let r = &item.record;
            let mut details = json!({
                "type": r.types.last(),
                "subjectDigest": r.subject_digest,
                "revocation": {"list": r.revocation.list, "index": r.revocation.index},
                "suspension": {"list": r.suspension.list, "index": r.suspension.index},
                "verificationMethod": r.verification_method,
            });
            if let Some(source) = &r.source_record_id {
                details["sourceRecordId"] = source.clone().into();
                self.batch.push(Write::Source {
                    source_record_id: source.clone(),
                    credential_id: new_id.clone(),
                    replaces: item.supersedes.clone(),
                });
                if let Some(version) = &item.source_version {
                    self.batch.push(Write::SourceVersion {
                        source_record_id: source.clone(),
                        version: version.clone(),
                    });
                }
            }
            if let Some(old) = &item.supersedes {
                details["supersedes"] = old.clone().into();
            }
            let mut record = item.record;
            if let Some(original) = record.copy_of.clone() {
                details["copyOf"] = original.clone().into();
                details["holder"] = record.holder.clone().into();
            }
            self.audit(AuditEvent::new(actor, AuditAction::Issue, &new_id, details));
            self.batch.push(Write::CredentialText {
                id: new_id.clone(),
                text: item.text,
            });
            if let Some(original) = record.copy_of.clone() {
                touched |= self.link_copy(&original, &mut record, actor)?;
            }
            self.put_new_record(record);
            self.issued += 1;
        }
        Ok(touched)
    }

    fn status(
        &mut self,
        id: &str,
        action: StatusAction,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusResult, IssuerError> {
        let mut record = self
            .record(id)?
            .ok_or_else(|| IssuerError::UnknownCredential(id.to_owned()))?;
        let revoked = record.revoked_at.is_some();
        let conflict = |reason: &str| IssuerError::StatusConflict {
            credential: id.to_owned(),
            reason: reason.to_owned(),
        };
        if let StatusAction::Message(value) = action {
            return self.set_message(record, value, reason, actor);
        }
        if record.without_status {
            return Err(conflict(
                "it is a VC 1.1 credential and carries no status entry (Bitstring Status List entries belong in VC 2.0 credentials): its status cannot be changed",
            ));
        }
        let changed = match action {
            StatusAction::Revoke => {
                let c = self.set_bit(&record, StatusPurpose::Revocation, true)?;
                if c {
                    record.revoked_at = Some(self.now);
                }
                c
            }
            StatusAction::Suspend => {
                if revoked {
                    return Err(conflict(
                        "it is revoked; a revoked credential cannot be suspended",
                    ));
                }
                let c = self.set_bit(&record, StatusPurpose::Suspension, true)?;
                record.suspended = true;
                c
            }
            StatusAction::Reinstate => {
                if revoked {
                    return Err(conflict("it is revoked, and revocation is final"));
                }
                let c = self.set_bit(&record, StatusPurpose::Suspension, false)?;
                record.suspended = false;
                c
            }
            StatusAction::Message(_) => false,
        };
        let target = match action {
            StatusAction::Revoke => &record.revocation.list,
            _ => &record.suspension.list,
        };
        let mut lists = match self.lists.get(target) {
            Some(v) if changed => vec![(target.clone(), *v)],
            _ => Vec::new(),
        };
        if changed {
            let purpose = match action {
                StatusAction::Revoke => &record.revocation,
                _ => &record.suspension,
            };
            let details = json!({"reason": reason, "list": purpose.list, "index": purpose.index});
            self.audit(AuditEvent::new(actor, audit_action(action), id, details));
            self.put_record(record.clone());
        }
        // The holder-bound copies follow their record, in the same commit.
        for (url, version) in self.cascade(&record.copies, action, reason, id, actor)? {
            match lists.iter_mut().find(|(u, _)| *u == url) {
                Some(entry) => entry.1 = entry.1.max(version),
                None => lists.push((url, version)),
            }
        }
        Ok(StatusResult {
            record,
            changed,
            lists,
        })
    }
}

/// The audit action of a status change.
fn audit_action(action: StatusAction) -> AuditAction {
    match action {
        StatusAction::Revoke => AuditAction::Revoke,
        StatusAction::Suspend => AuditAction::Suspend,
        StatusAction::Reinstate => AuditAction::Reinstate,
        StatusAction::Message(_) => AuditAction::Message,
    }
}

impl Task {
    /// Reads the lists at `urls` from the store into the book again, and returns their
    /// versions (best effort: a list that cannot be read now is read before its next change
    /// anyway, and a committed group is not failed for it).
    async fn reload_lists(&self, urls: Vec<String>) -> Vec<(String, u64)> {
        if urls.is_empty() {
            return Vec::new();
        }
        let store = self.store.clone();
        let read = tokio::task::spawn_blocking(move || {
            urls.iter()
                .filter_map(|url| store.status_list(url).ok().flatten())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let versions = read
            .iter()
            .map(|l| (l.url().to_owned(), l.version()))
            .collect();
        if let Ok(mut book) = self.book.lock() {
            for list in read {
                book.replace_list(list);
            }
        }
        versions
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Job>) {
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.commit(jobs).await;
        }
    }

    async fn commit(&mut self, jobs: Vec<Job>) {
        if self.failed.load(Ordering::SeqCst) {
            for job in jobs {
                let e = || IssuerError::Unavailable(UnavailableReason::EarlierWriteFailed);
                match job {
                    Job::Issue { reply, .. } => drop(reply.send(Err(e()))),
                    Job::Status { reply, .. } => drop(reply.send(Err(e()))),
                    Job::Records { reply, .. } => drop(reply.send(Err(e()))),
                }
            }
            return;
        }
        let head_before = self.head.clone();
        let mut replies = Vec::with_capacity(jobs.len());
        let (batch, lists) = {
            let mut group = Group {
                task: self,
                now: Utc::now(),
                batch: WriteBatch::default(),
                overlay: HashMap::new(),
                lists: BTreeMap::new(),
                issued: 0,
                fresh: HashSet::new(),
            };
            for job in jobs {
                match job {
                    Job::Issue {
                        items,
                        actor,
                        reply,
                    } => {
                        // All of a job or none of it (an error here means a record that
                        // should exist is missing: corruption).
                        let mark = (
                            group.batch.writes.len(),
                            group.task.head.clone(),
                            group.issued,
                        );
                        match group.issue(items, &actor) {
                            Ok(touched) => replies.push(Reply::Issue(reply, touched)),
                            Err(e) => {
                                group.batch.writes.truncate(mark.0);
                                group.task.head = mark.1;
                                group.issued = mark.2;
                                let _ = reply.send(Err(e));
                            }
                        }
                    }
                    Job::Status {
                        id,
                        action,
                        reason,
                        actor,
                        reply,
                    } => {
                        let r = group.status(&id, action, reason.as_deref(), &actor);
                        replies.push(Reply::Status(reply, Box::new(r)));
                    }
                    Job::Records {
                        writes,
                        events,
                        reply,
                    } => {
                        group.batch.writes.extend(writes);
                        for e in events {
                            group.audit(e);
                        }
                        replies.push(Reply::Records(reply));
                    }
                }
            }
            let mut batch = group.batch;
            let lists = group.lists;
            // a shared store got the entries themselves
            if !group.task.shared
                && let Ok(book) = group.task.book.lock()
            {
                for url in lists.keys() {
                    if let Some(l) = book.list(url) {
                        batch.push(Write::StatusList(Box::new(l.clone())));
                    }
                }
            }
            if group.issued > 0 {
                batch.push(Write::CredentialsIssued(group.issued));
            }
            (batch, lists)
        };
        let store = self.store.clone();
        let outcome = if batch.is_empty() {
            Ok(())
        } else {
            tokio::task::spawn_blocking(move || {
                store.apply(batch)?;
                store.flush()
            })
            .await
            .unwrap_or_else(|e| {
                Err(IssuerError::Store(StoreError::WriterPanicked(
                    e.to_string(),
                )))
            })
        };
        let mut lists = lists;
        if self.shared {
            // the changed lists as stored now: with other instances' changes, and the versions
            // to wait for (after a failure: read again before their next change, and for the
            // Token Status Lists now; nothing else in memory is ahead of the store)
            for (url, version) in self.reload_lists(lists.keys().cloned().collect()).await {
                if outcome.is_ok() {
                    lists.insert(url, version);
                }
            }
        }
        if let Err(e) = outcome {
            self.head = head_before;
            if !self.shared {
                self.failed.store(true, Ordering::SeqCst);
            }
            for r in replies {
                match r {
                    Reply::Issue(tx, _) => drop(tx.send(Err(e.for_group()))),
                    Reply::Status(tx, _) => drop(tx.send(Err(e.for_group()))),
                    Reply::Records(tx) => drop(tx.send(Err(e.for_group()))),
                }
            }
            return;
        }
        for r in replies {
            match r {
                Reply::Issue(tx, touched) => {
                    let changed: Vec<(String, u64)> = if !touched {
                        Vec::new()
                    } else {
                        lists.iter().map(|(u, v)| (u.clone(), *v)).collect()
                    };
                    let _ = tx.send(Ok(changed));
                }
                Reply::Status(tx, mut result) => {
                    if let Ok(r) = result.as_mut() {
                        for (url, version) in &mut r.lists {
                            if let Some(v) = lists.get(url) {
                                *version = (*version).max(*v);
                            }
                        }
                    }
                    let _ = tx.send(*result);
                }
                Reply::Records(tx) => {
                    let _ = tx.send(Ok(()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_status_or_token_action_is_a_typed_error_naming_it() {
        assert_eq!("lift".parse::<StatusAction>(), Ok(StatusAction::Reinstate));
        let e = "cancel".parse::<StatusAction>().unwrap_err();
        assert_eq!(e.given, "cancel");
        assert_eq!(
            e.to_string(),
            "`cancel` is not a status action (revoke, suspend, reinstate)"
        );
        let e = "root".parse::<crate::tokens::Action>().unwrap_err();
        assert_eq!(e.given, "root");
        assert_eq!(
            e.to_string(),
            "`root` is not an action (issue, status, admin)"
        );
    }
}
