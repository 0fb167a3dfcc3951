//! The issuance pipeline, top to bottom:
//!
//! 1. **validate**: each request becomes an `Item` (its document checked against its rules and
//!    schema, the type allowed, the source record id well formed) — `Item::typed`, `Item::raw`;
//! 2. **dedupe**: a source record id at most once per batch; requests about the same source
//!    record take turns across batches (keyed locks);
//! 3. **resolve**: the registry decides replay (same record, same content), conflict, or new
//!    (superseding an earlier version when asked); new items get their JSON-LD terms checked;
//!    a source record version higher than the one recorded is kept to be recorded (a replay's
//!    in a commit of its own, before it is answered);
//! 4. **allocate**: a revocation and a suspension entry per new item, from the status book;
//! 5. **sign**: in parallel, one chunk per core (`sign_parallel`);
//! 6. **self-check**: each chunk's signatures verified together (`issue::check_signed`);
//! 7. **commit**: one group commit through the committer, on disk before any answer (with the
//!    source record versions);
//! 8. **publish**: the status lists that changed are re-signed and published before answering.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::Signer;

use crate::commit::Prepared;
use crate::error::{IssuerError, SigningError, StoreError, UnavailableReason};
use crate::issue::{self, CredentialRequest, IssueOutcome, IssueRequest, Issued, Item};
use crate::status::EntryPair;
use crate::store::{CredentialRecord, StatusRef, Write, compare_versions};

use super::{Issuer, PUBLISH_WAIT, now_secs};

impl Issuer {
    /// Issues one typed registry record (see [`IssueRequest`]). Returns once the credential is
    /// on disk.
    pub async fn issue(&self, request: IssueRequest, actor: &str) -> Result<Issued, IssuerError> {
        let item = Item::typed(
            request,
            &self.inner.config.document_types,
            self.inner.config.default_securing,
        );
        self.one(item, actor).await
    }

    /// Issues a VC-API credential (see [`CredentialRequest`]).
    pub async fn issue_credential(
        &self,
        request: CredentialRequest,
        actor: &str,
    ) -> Result<Issued, IssuerError> {
        let item = Item::raw(request, self.did(), &self.inner.config, now_secs());
        self.one(item, actor).await
    }

    /// Issues many typed records: validated one by one, signed in parallel on every core,
    /// recorded with one flush. Each result answers the request at the same position.
    pub async fn issue_batch(
        &self,
        requests: Vec<IssueRequest>,
        actor: &str,
    ) -> Vec<Result<Issued, IssuerError>> {
        let items = requests
            .into_iter()
            .map(|r| {
                Item::typed(
                    r,
                    &self.inner.config.document_types,
                    self.inner.config.default_securing,
                )
            })
            .collect();
        self.run(items, actor).await
    }

    pub(crate) async fn one(
        &self,
        item: Result<Item, IssuerError>,
        actor: &str,
    ) -> Result<Issued, IssuerError> {
        self.run(vec![item], actor)
            .await
            .pop()
            .unwrap_or(Err(IssuerError::Unavailable(UnavailableReason::NoResult)))
    }

    pub(crate) async fn run(
        &self,
        items: Vec<Result<Item, IssuerError>>,
        actor: &str,
    ) -> Vec<Result<Issued, IssuerError>> {
        let inner = &self.inner;
        let mut results: Vec<Option<Result<Issued, IssuerError>>> =
            (0..items.len()).map(|_| None).collect();
        let mut seen = HashSet::new();
        let mut work: Vec<(usize, Item)> = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Err(e) => results[i] = Some(Err(e)),
                Ok(item) => {
                    if let Some(s) = &item.source
                        && !seen.insert(s.clone())
                    {
                        results[i] = Some(Err(IssuerError::invalid(
                            "sourceRecordId",
                            format!("`{s}` appears more than once in this batch"),
                        )));
                        continue;
                    }
                    work.push((i, item));
                }
            }
        }
        let _guard = inner
            .locks
            .lock(
                work.iter()
                    .filter_map(|(_, it)| it.source.clone())
                    .collect(),
            )
            .await;

        // Idempotency, and the checks that need the registry or JSON-LD.
        let mut todo: Vec<(usize, Item, Option<String>)> = Vec::new();
        // versions of replayed source records that are higher than the ones recorded
        let mut replayed_versions: Vec<(usize, Write)> = Vec::new();
        for (i, mut item) in work {
            let checked = async {
                if let issue::Payload::Raw(v) = &item.payload
                    && let Some(id) = v.get("id").and_then(serde_json::Value::as_str)
                    && inner.store.credential(id)?.is_some()
                {
                    return Err(IssuerError::DuplicateId(id.to_owned()));
                }
                let resolution = self.resolve(&item)?;
                if matches!(resolution, Resolution::New(_)) {
                    issue::check_terms(&item, &inner.loader).await?;
                }
                Ok(resolution)
            };
            let checked = match checked.await {
                Ok(resolution) => self.version_to_record(&item).map(|v| (resolution, v)),
                Err(e) => Err(e),
            };
            match checked {
                Ok((Resolution::New(supersedes), version)) => {
                    item.source_version = version;
                    todo.push((i, item, supersedes));
                }
                Ok((Resolution::Replay(issued), version)) => {
                    if let (Some(source_record_id), Some(version)) = (item.source, version) {
                        replayed_versions.push((
                            i,
                            Write::SourceVersion {
                                source_record_id,
                                version,
                            },
                        ));
                    }
                    results[i] = Some(Ok(*issued));
                }
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        if !replayed_versions.is_empty() {
            // a replay answers once its (higher) version is on disk, as an issuance does
            let (positions, writes): (Vec<usize>, Vec<Write>) =
                replayed_versions.into_iter().unzip();
            if let Err(e) = inner.committer.records(writes, Vec::new()).await {
                for i in positions {
                    results[i] = Some(Err(e.for_group()));
                }
            }
        }

        if !todo.is_empty() {
            let allocated = match inner.book.lock() {
                Ok(mut book) => {
                    let with_message: Vec<bool> = todo
                        .iter()
                        .map(|(_, item, _)| {
                            inner.config.status_messages.is_some() && item.takes_message()
                        })
                        .collect();
                    book.allocate(&with_message, inner.store.as_ref())
                }
                Err(_) => Err(IssuerError::Unavailable(UnavailableReason::Poisoned(
                    "status book",
                ))),
            };
            match allocated {
                Err(e) => {
                    let e = std::sync::Arc::new(e);
                    for (i, _, _) in todo {
                        results[i] = Some(Err(IssuerError::Unavailable(
                            UnavailableReason::Allocation(e.clone()),
                        )));
                    }
                }
                Ok((pairs, opened)) => {
                    if !opened.is_empty() {
                        inner.publisher.request(opened.iter().cloned());
                    }
                    self.sign_and_commit(todo, pairs, &opened, actor, &mut results)
                        .await;
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(IssuerError::Unavailable(UnavailableReason::NoResult))))
            .collect()
    }

    /// The version of `item`'s source record to record with it: its version when it is higher
    /// than the one recorded (or none is), otherwise none. Called under the source record's
    /// lock, so the recorded version cannot change before the commit.
    fn version_to_record(&self, item: &Item) -> Result<Option<String>, IssuerError> {
        let (Some(source), Some(version)) = (&item.source, &item.source_version) else {
            return Ok(None);
        };
        Ok(match self.inner.store.source_version(source)? {
            Some(known) if compare_versions(version, &known) != Ordering::Greater => None,
            _ => Some(version.clone()),
        })
    }

    fn resolve(&self, item: &Item) -> Result<Resolution, IssuerError> {
        let store = &self.inner.store;
        let Some(source) = &item.source else {
            return Ok(Resolution::New(None));
        };
        let Some(id) = store.by_source(source)? else {
            return Ok(Resolution::New(None));
        };
        let record = store.credential(&id)?.ok_or_else(|| {
            IssuerError::Store(StoreError::DanglingSource {
                source_record_id: source.clone(),
                credential_id: id.clone(),
            })
        })?;
        if record.subject_digest == item.subject_digest()? {
            let text = store
                .credential_text(&id)?
                .ok_or_else(|| IssuerError::Store(StoreError::NoText(id.clone())))?;
            return Ok(Resolution::Replay(Box::new(Issued {
                credential_id: id,
                credential: text,
                outcome: IssueOutcome::Replayed,
                record,
            })));
        }
        if !item.supersede {
            return Err(IssuerError::Conflict {
                source_record_id: source.clone(),
                existing: id,
            });
        }
        Ok(Resolution::New(Some(id)))
    }

    async fn sign_and_commit(
        &self,
        todo: Vec<(usize, Item, Option<String>)>,
        pairs: Vec<EntryPair>,
        opened: &[String],
        actor: &str,
        results: &mut [Option<Result<Issued, IssuerError>>],
    ) {
        let inner = &self.inner;
        let now = now_secs();
        let signer: Arc<dyn Signer> = match self.issuing_signer() {
            Ok(signer) => signer,
            Err(e) => {
                for (i, _, _) in &todo {
                    results[*i] = Some(Err(e.for_group()));
                }
                return;
            }
        };
        let method = signer.verification_method().to_owned();
        let jobs: Vec<SignJob> = todo
            .into_iter()
            .zip(pairs)
            .map(|((i, item, supersedes), pair)| SignJob {
                i,
                item,
                supersedes,
                pair,
                result: None,
            })
            .collect();
        let ctx = Arc::new(SignContext {
            issuer: inner.meta.did.clone(),
            messages: inner.config.status_messages.clone(),
            signer,
            loader: inner.loader.clone(),
            now,
        });
        let jobs = sign_parallel(jobs, ctx).await;

        let mut prepared = Vec::new();
        let mut positions = Vec::new();
        for job in jobs {
            match job.result {
                Some(Ok(issue::Signed { id, text, digest })) => {
                    let record = CredentialRecord {
                        id,
                        types: job.item.types,
                        subject_digest: digest,
                        source_record_id: job.item.source,
                        revocation: status_ref(&job.pair.revocation),
                        suspension: status_ref(&job.pair.suspension),
                        issued_at: now,
                        issued_by: actor.to_owned(),
                        verification_method: method.clone(),
                        securing: job.item.securing,
                        revoked_at: None,
                        revision: 0,
                        suspended: false,
                        superseded_by: None,
                        without_status: !job.item.with_status,
                        message: job.pair.message.as_ref().map(status_ref),
                        copy_of: job.item.copy.as_ref().map(|c| c.original.clone()),
                        holder: job.item.copy.as_ref().map(|c| c.holder.clone()),
                        copies: Vec::new(),
                        sd_jwt: job.item.copy.as_ref().is_some_and(|c| c.sd_jwt),
                    };
                    if record.sd_jwt
                        && let Ok(mut book) = inner.book.lock()
                    {
                        // before the commit: a token list signed from now on knows the copy
                        book.link_sd_jwt(&record);
                    }
                    positions.push(job.i);
                    prepared.push(Prepared {
                        record,
                        text,
                        supersedes: job.supersedes,
                        source_version: job.item.source_version,
                    });
                }
                Some(Err(e)) => results[job.i] = Some(Err(e)),
                None => results[job.i] = Some(Err(IssuerError::Signing(SigningError::TaskFailed))),
            }
        }
        if prepared.is_empty() {
            return;
        }
        match inner.committer.issue(prepared.clone(), actor).await {
            Ok(changed) => {
                let mut wait: Vec<(String, u64)> = changed;
                wait.extend(opened.iter().map(|u| (u.clone(), 1)));
                if !wait.is_empty() {
                    inner.publisher.request(wait.iter().map(|(u, _)| u.clone()));
                    for (url, version) in &wait {
                        inner.publisher.wait_for(url, *version, PUBLISH_WAIT).await;
                    }
                }
                for (i, p) in positions.into_iter().zip(prepared) {
                    let outcome = match p.supersedes {
                        Some(previous) => IssueOutcome::Superseded { previous },
                        None => IssueOutcome::Issued,
                    };
                    results[i] = Some(Ok(Issued {
                        credential_id: p.record.id.clone(),
                        credential: p.text,
                        outcome,
                        record: p.record,
                    }));
                }
            }
            Err(e) => {
                for i in positions {
                    results[i] = Some(Err(e.for_group()));
                }
            }
        }
    }
}

enum Resolution {
    New(Option<String>),
    Replay(Box<Issued>),
}

fn status_ref(a: &civitas_status::Allocation) -> StatusRef {
    StatusRef {
        list: a.list_url.clone(),
        list_number: a.list_number,
        index: a.index,
    }
}

struct SignContext {
    issuer: String,
    messages: Option<crate::config::StatusMessages>,
    signer: Arc<dyn Signer>,
    loader: ContextLoader,
    now: DateTime<Utc>,
}

struct SignJob {
    i: usize,
    item: Item,
    supersedes: Option<String>,
    pair: EntryPair,
    result: Option<Result<issue::Signed, IssuerError>>,
}

/// Signs `jobs` one after the other, then checks their signatures together.
async fn sign_chunk(mut jobs: Vec<SignJob>, ctx: Arc<SignContext>) -> Vec<SignJob> {
    let mut signed = Vec::with_capacity(jobs.len());
    let mut signed_at = Vec::with_capacity(jobs.len());
    for (k, job) in jobs.iter_mut().enumerate() {
        let made = issue::build_and_sign(
            &job.item,
            &job.pair,
            &ctx.issuer,
            ctx.messages.as_ref(),
            ctx.signer.as_ref(),
            &ctx.loader,
            ctx.now,
        )
        .await;
        match made {
            Ok(unchecked) => {
                signed.push(unchecked);
                signed_at.push(k);
            }
            Err(e) => job.result = Some(Err(e)),
        }
    }
    for (k, checked) in signed_at.into_iter().zip(issue::check_signed(signed)) {
        jobs[k].result = Some(checked);
    }
    jobs
}

/// Signs on every core: the jobs are split into one chunk per core, each a task.
async fn sign_parallel(mut jobs: Vec<SignJob>, ctx: Arc<SignContext>) -> Vec<SignJob> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if jobs.len() < 2 || cores < 2 {
        return sign_chunk(jobs, ctx).await;
    }
    let chunk = jobs.len().div_ceil(cores);
    let mut handles = Vec::new();
    while !jobs.is_empty() {
        let rest = jobs.split_off(chunk.min(jobs.len()));
        let mine = std::mem::replace(&mut jobs, rest);
        handles.push(tokio::spawn(sign_chunk(mine, ctx.clone())));
    }
    let mut out = Vec::new();
    for h in handles {
        if let Ok(done) = h.await {
            out.extend(done);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_core::model::{DocumentType, sample};
    use civitas_core::secure::{SecureError, Securing};
    use civitas_keys::keys::{KeyAlgorithm, KeyPair, PublicKey};
    use civitas_keys::signer::{LocalSigner, SignerError};
    use civitas_status::StatusPurpose;
    use civitas_status::{Allocation, StatusSize};
    use std::sync::atomic::AtomicUsize;
    use std::sync::atomic::Ordering;

    use crate::issue::{Document, Payload};

    /// A signer that damages every third signature it makes, as a faulty key service would.
    struct Flaky {
        inner: LocalSigner,
        count: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Signer for Flaky {
        fn verification_method(&self) -> &str {
            self.inner.verification_method()
        }
        fn algorithm(&self) -> civitas_keys::keys::KeyAlgorithm {
            self.inner.algorithm()
        }
        fn public_key(&self) -> PublicKey {
            self.inner.public_key()
        }
        async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
            let mut signature = self.inner.sign(message).await?;
            if self.count.fetch_add(1, Ordering::SeqCst) % 3 == 1 {
                signature[17] ^= 0x40;
            }
            Ok(signature)
        }
    }

    fn allocation(purpose: StatusPurpose, index: u64) -> Allocation {
        Allocation {
            purpose,
            list_number: 1,
            list_url: format!("https://registry.example/status/{purpose:?}/1"),
            index,
            status_size: StatusSize::ONE,
            entries_per_list: 131_072,
            opened_list: false,
            must_persist: false,
            previous_generation: 0,
        }
    }

    fn birth() -> Document {
        let kind = DocumentType::named("birth").unwrap();
        let subject = sample(&kind).unwrap();
        Document::new(kind, subject).unwrap()
    }

    fn jobs(n: usize) -> Vec<SignJob> {
        (0..n)
            .map(|i| SignJob {
                i,
                item: Item {
                    payload: Payload::Typed(birth()),
                    source: None,
                    source_version: None,
                    supersede: false,
                    securing: Securing::DataIntegrity,
                    types: Vec::new(),
                    with_status: true,
                    copy: None,
                },
                supersedes: None,
                pair: EntryPair {
                    revocation: allocation(StatusPurpose::Revocation, i as u64),
                    suspension: allocation(StatusPurpose::Suspension, i as u64),
                    message: None,
                },
                result: None,
            })
            .collect()
    }

    /// The signatures of a signing chunk are checked as one batch: the damaged ones, and only
    /// they, are refused, whether the chunk has one credential or many.
    #[tokio::test]
    async fn a_chunk_refuses_exactly_the_signatures_that_do_not_verify() {
        for n in [1, 2, 9] {
            let inner = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
            let ctx = Arc::new(SignContext {
                issuer: inner.controller().to_owned(),
                messages: None,
                signer: Arc::new(Flaky {
                    inner,
                    count: AtomicUsize::new(0),
                }),
                loader: ContextLoader::bundled(),
                now: Utc::now(),
            });
            let done = sign_chunk(jobs(n), ctx).await;
            assert_eq!(done.len(), n);
            for (k, job) in done.iter().enumerate() {
                assert_eq!(job.i, k);
                match &job.result {
                    Some(Ok(signed)) => {
                        assert_ne!(k % 3, 1, "credential {k} was damaged but passed");
                        assert!(signed.text.contains("proofValue"));
                    }
                    Some(Err(IssuerError::Signing(SigningError::Secure(SecureError::Proof(
                        reason,
                    ))))) => {
                        assert_eq!(k % 3, 1, "credential {k} was refused: {reason}");
                        assert!(reason.to_string().contains("does not verify"), "{reason}");
                    }
                    other => panic!("credential {k}: {:?}", other.as_ref().map(|r| r.is_ok())),
                }
            }
        }
    }
}
