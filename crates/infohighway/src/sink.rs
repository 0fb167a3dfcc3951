//! Where mapped records go: the issuer. [`Sink`] is implemented for
//! [`civitas_issuer::Issuer`] (the library, in this process: the default, fastest path, and the
//! one that needs no token); another implementation could post to the issuer's
//! `POST /credentials/batch` when a running server holds the data directory (it would also
//! need the source record versions the registry keeps: [`Sink::source_version`], which the
//! HTTP API does not serve today).

use civitas_issuer::error::ErrorKind;
use civitas_issuer::{IssueOutcome, IssueRequest, Issuer, IssuerError};

use crate::error::{IngestError, IssuerFailure};

/// What became of one request of a batch.
pub type SinkResult = Result<(String, IssueOutcome), IssuerError>;

/// Something that issues batches of typed records.
#[async_trait::async_trait]
pub trait Sink: Send + Sync {
    /// Issues `requests`; one result per request, in order. An `Err` of the whole call means
    /// nothing of the batch is known to be acknowledged (the run stops; the next one retries).
    /// A per-item error is a refusal of that record.
    async fn issue_batch(
        &self,
        requests: Vec<IssueRequest>,
        actor: &str,
    ) -> Result<Vec<SinkResult>, IngestError>;

    /// The highest version of source record `source_record_id` issued, as the issuer's
    /// registry recorded it with the issuance (the version [`ledger`](crate::ledger)).
    async fn source_version(&self, source_record_id: &str) -> Result<Option<String>, IngestError>;

    /// Records versions known from elsewhere (a legacy ledger being folded in), each only when
    /// it is higher than the one recorded, on disk before this returns. Returns how many were
    /// recorded.
    async fn record_source_versions(
        &self,
        entries: &[(String, String)],
    ) -> Result<usize, IngestError>;

    /// Describes the sink for logs (`issuer did:web:…`).
    fn describe(&self) -> String;
}

/// Whether an issuer error is about the record (reported, the run goes on) rather than the
/// issuer itself (the run stops).
pub fn is_record_error(e: &IssuerError) -> bool {
    match e.kind() {
        ErrorKind::BadRequest | ErrorKind::Conflict | ErrorKind::NotFound => true,
        ErrorKind::Unavailable => false,
        // signing one record may fail on its content; a broken signer fails every record,
        // which `Issuer`'s sink turns into a stop
        ErrorKind::Internal => matches!(e, IssuerError::Signing(_)),
    }
}

#[async_trait::async_trait]
impl Sink for Issuer {
    async fn issue_batch(
        &self,
        requests: Vec<IssueRequest>,
        actor: &str,
    ) -> Result<Vec<SinkResult>, IngestError> {
        let n = requests.len();
        let results = Issuer::issue_batch(self, requests, actor).await;
        if results.len() != n {
            return Err(IngestError::Issuer(IssuerFailure::ResultCount {
                got: results.len(),
                sent: n,
            }));
        }
        let mut out = Vec::with_capacity(n);
        let mut signing_failures = 0;
        for r in results {
            match r {
                Ok(issued) => out.push(Ok((issued.credential_id, issued.outcome))),
                Err(e) if is_record_error(&e) => {
                    if matches!(e, IssuerError::Signing(_)) {
                        signing_failures += 1;
                    }
                    out.push(Err(e));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if n > 1 && signing_failures == n {
            return Err(IngestError::Issuer(IssuerFailure::SignerBroken));
        }
        Ok(out)
    }

    async fn source_version(&self, source_record_id: &str) -> Result<Option<String>, IngestError> {
        Ok(Issuer::source_version(self, source_record_id)?)
    }

    async fn record_source_versions(
        &self,
        entries: &[(String, String)],
    ) -> Result<usize, IngestError> {
        Ok(Issuer::record_source_versions(self, entries).await?)
    }

    fn describe(&self) -> String {
        format!("issuer {}", self.did())
    }
}
