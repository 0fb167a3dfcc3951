//! [`StatusList`]: the issuer's working copy of one status list. It applies status changes
//! (revocation is final, suspension can be lifted, message lists take multi-bit values), keeps a
//! version number so the issuer knows when the list changed since it was last signed, and
//! signs itself into a `BitstringStatusListCredential` through civitas-core.

use std::time::Duration;

use chrono::{DateTime, Utc};
use civitas_core::data_integrity::{ProofOptions, add_proof};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::Signer;
use serde_json::Value;

use crate::allocator::Allocation;
use crate::bitstring::{Bitstring, MIN_ENTRIES, StatusSize};
use crate::credential::BitstringStatusListCredential;
use crate::entry::{StatusPurpose, is_url};
use crate::error::StatusError;

/// What goes into a published status list credential besides the bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOptions {
    /// The issuer (a DID or URL): the same issuer as the credentials whose entries are in the
    /// list, or verifiers reject it.
    pub issuer: String,
    /// `validFrom`; default: the time of signing.
    pub valid_from: Option<DateTime<Utc>>,
    /// `validUntil`: after it, verifiers treat the list as stale. Default: none.
    pub valid_until: Option<DateTime<Utc>>,
    /// `ttl`: how long verifiers may cache the list. Default: none.
    pub ttl: Option<Duration>,
}

impl PublishOptions {
    /// Options for lists issued by `issuer`, valid from the time of signing, with no expiry.
    pub fn new(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            valid_from: None,
            valid_until: None,
            ttl: None,
        }
    }

    /// Sets `validFrom`.
    pub fn valid_from(mut self, t: DateTime<Utc>) -> Self {
        self.valid_from = Some(t);
        self
    }

    /// Sets `validUntil`.
    pub fn valid_until(mut self, t: DateTime<Utc>) -> Self {
        self.valid_until = Some(t);
        self
    }

    /// Sets `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }
}

/// The issuer's copy of one status list.
///
/// Serialisable (the bits as an `encodedList` string) so the issuer can store it.
///
/// ```
/// use civitas_status::entry::StatusPurpose;
/// use civitas_status::list::StatusList;
///
/// let mut list = StatusList::new("https://registry.gov.example/status/revocation/1",
///     StatusPurpose::Revocation, 131_072).unwrap();
/// assert!(list.is_dirty()); // never signed yet
/// list.revoke(94567).unwrap();
/// assert_eq!(list.get(94567).unwrap(), 1);
/// assert!(list.clear(94567).is_err()); // revocation is final
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "StatusListRecord")]
pub struct StatusList {
    url: String,
    purpose: StatusPurpose,
    status_size: StatusSize,
    entries: u64,
    bits: Bitstring,
    version: u64,
    signed_version: u64,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusListRecord {
    url: String,
    purpose: StatusPurpose,
    status_size: StatusSize,
    entries: u64,
    bits: Bitstring,
    version: u64,
    signed_version: u64,
}

impl TryFrom<StatusListRecord> for StatusList {
    type Error = StatusError;

    fn try_from(r: StatusListRecord) -> Result<Self, Self::Error> {
        let mut list = Self::with_size(&r.url, r.purpose, r.entries, r.status_size)?;
        if r.bits.len_bits() != list.bits.len_bits() {
            return Err(StatusError::field(
                "/bits",
                format!(
                    "holds {} bits, but {} entries of {} bit(s) need {}",
                    r.bits.len_bits(),
                    r.entries,
                    r.status_size,
                    list.bits.len_bits()
                ),
            ));
        }
        if r.signed_version > r.version {
            return Err(StatusError::field(
                "/signedVersion",
                "is newer than /version",
            ));
        }
        list.bits = r.bits;
        list.version = r.version;
        list.signed_version = r.signed_version;
        Ok(list)
    }
}

impl StatusList {
    /// A new list of `entries` one-bit entries (at least [`MIN_ENTRIES`]), all clear.
    pub fn new(url: &str, purpose: StatusPurpose, entries: u64) -> Result<Self, StatusError> {
        Self::with_size(url, purpose, entries, StatusSize::ONE)
    }

    /// A new list of `entries` entries of `size` bits each, all 0.
    pub fn with_size(
        url: &str,
        purpose: StatusPurpose,
        entries: u64,
        size: StatusSize,
    ) -> Result<Self, StatusError> {
        if !is_url(url) {
            return Err(StatusError::field("/id", format!("`{url}` is not a URL")));
        }
        if entries < MIN_ENTRIES {
            return Err(StatusError::ListTooShort {
                bits: entries.saturating_mul(u64::from(size.bits())),
                min: MIN_ENTRIES,
            });
        }
        Ok(Self {
            url: url.to_owned(),
            purpose,
            status_size: size,
            entries,
            bits: Bitstring::zeroed(entries, size)?,
            version: 1,
            signed_version: 0,
        })
    }

    /// The list an allocation opened (see [`Allocation::opened_list`]).
    pub fn for_allocation(allocation: &Allocation) -> Result<Self, StatusError> {
        Self::with_size(
            &allocation.list_url,
            allocation.purpose,
            allocation.entries_per_list,
            allocation.status_size,
        )
    }

    /// The URL the list is published at (the credential's `id`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the list is for.
    pub fn purpose(&self) -> StatusPurpose {
        self.purpose
    }

    /// Bits per entry.
    pub fn status_size(&self) -> StatusSize {
        self.status_size
    }

    /// The number of entries.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// The bits.
    pub fn bits(&self) -> &Bitstring {
        &self.bits
    }

    /// The version: starts at 1 and grows by one with every change.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The version last signed (0: never signed).
    pub fn signed_version(&self) -> u64 {
        self.signed_version
    }

    /// Whether the list changed since it was last signed (or was never signed): it must be
    /// signed and published again.
    pub fn is_dirty(&self) -> bool {
        self.version != self.signed_version
    }

    fn check_index(&self, index: u64) -> Result<(), StatusError> {
        if index >= self.entries {
            return Err(StatusError::IndexOutOfRange {
                index,
                status_size: self.status_size.bits(),
                entries: self.entries,
            });
        }
        Ok(())
    }

    /// The value at `index`.
    pub fn get(&self, index: u64) -> Result<u8, StatusError> {
        self.check_index(index)?;
        self.bits.get(index, self.status_size)
    }

    /// Sets the value at `index`. Returns whether anything changed. On a revocation list a
    /// non-zero value can never be changed again ([`StatusError::RevocationIsFinal`]).
    pub fn set(&mut self, index: u64, value: u8) -> Result<bool, StatusError> {
        self.check_index(index)?;
        let previous = self.bits.get(index, self.status_size)?;
        if previous == value {
            return Ok(false);
        }
        if self.purpose == StatusPurpose::Revocation && previous != 0 {
            return Err(StatusError::RevocationIsFinal {
                list: self.url.clone(),
                index,
            });
        }
        self.bits.set(index, self.status_size, value)?;
        self.version += 1;
        Ok(true)
    }

    fn expect_purpose(
        &self,
        purpose: StatusPurpose,
        operation: &'static str,
    ) -> Result<(), StatusError> {
        if self.purpose != purpose {
            return Err(StatusError::WrongOperation {
                operation,
                list: self.url.clone(),
                purpose: self.purpose,
            });
        }
        Ok(())
    }

    /// Revokes the credential at `index` (a revocation list only). Revoking twice is a no-op.
    pub fn revoke(&mut self, index: u64) -> Result<bool, StatusError> {
        self.expect_purpose(StatusPurpose::Revocation, "revoke")?;
        self.set(index, 1)
    }

    /// Suspends the credential at `index` (a suspension list only).
    pub fn suspend(&mut self, index: u64) -> Result<bool, StatusError> {
        self.expect_purpose(StatusPurpose::Suspension, "suspend")?;
        self.set(index, 1)
    }

    /// Lifts the suspension of the credential at `index` (a suspension list only).
    pub fn lift_suspension(&mut self, index: u64) -> Result<bool, StatusError> {
        self.expect_purpose(StatusPurpose::Suspension, "lift a suspension")?;
        self.set(index, 0)
    }

    /// Sets the message status at `index` (a message list only).
    pub fn set_message(&mut self, index: u64, value: u8) -> Result<bool, StatusError> {
        self.expect_purpose(StatusPurpose::Message, "set a message status")?;
        self.set(index, value)
    }

    /// Clears the entry at `index` (value 0). Fails on a revoked entry: revocation is final.
    pub fn clear(&mut self, index: u64) -> Result<bool, StatusError> {
        self.set(index, 0)
    }

    /// How many entries are not 0.
    pub fn count_set(&self) -> u64 {
        if self.status_size == StatusSize::ONE {
            self.bits.count_ones()
        } else {
            self.bits.nonzero(self.status_size).count() as u64
        }
    }

    /// The unsigned credential for the list as it is now.
    pub fn to_credential(
        &self,
        options: &PublishOptions,
        now: DateTime<Utc>,
    ) -> BitstringStatusListCredential {
        let mut c = BitstringStatusListCredential::new(
            &self.url,
            &options.issuer,
            self.purpose,
            self.bits.clone(),
        );
        c.valid_from = Some(options.valid_from.unwrap_or(now));
        c.valid_until = options.valid_until;
        c.ttl = options.ttl;
        c
    }

    /// Records that `version` was signed and published (when the issuer signs by other means).
    pub fn mark_signed(&mut self, version: u64) {
        if version <= self.version && version > self.signed_version {
            self.signed_version = version;
        }
    }

    /// Builds the status list credential, signs it with `signer` (a Data Integrity proof through
    /// civitas-core) and marks the list clean. Returns the signed credential, ready to publish.
    ///
    /// If the list changes while the signature is made (it cannot through `&mut self`, but a
    /// caller may have cloned it), only the version that was signed is marked clean.
    pub async fn sign(
        &mut self,
        options: &PublishOptions,
        signer: &dyn Signer,
        proof: &ProofOptions,
        loader: &ContextLoader,
    ) -> Result<Value, StatusError> {
        let version = self.version;
        let now = proof.created.unwrap_or_else(Utc::now);
        let unsigned = self.to_credential(options, now).to_json();
        let signed = add_proof(&unsigned, signer, proof, loader).await?;
        self.mark_signed(version);
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://registry.gov.example/status/1";

    #[test]
    fn changes_follow_the_purpose_rules() {
        let mut rev = StatusList::new(URL, StatusPurpose::Revocation, MIN_ENTRIES).unwrap();
        rev.mark_signed(rev.version());
        assert!(!rev.is_dirty());
        assert!(rev.revoke(5).unwrap());
        assert!(rev.is_dirty());
        assert!(!rev.revoke(5).unwrap(), "revoking twice changes nothing");
        assert!(matches!(
            rev.clear(5),
            Err(StatusError::RevocationIsFinal { index: 5, .. })
        ));
        assert!(matches!(
            rev.suspend(6),
            Err(StatusError::WrongOperation { .. })
        ));
        assert!(matches!(
            rev.revoke(MIN_ENTRIES),
            Err(StatusError::IndexOutOfRange { .. })
        ));

        let mut sus = StatusList::new(URL, StatusPurpose::Suspension, MIN_ENTRIES).unwrap();
        assert!(sus.suspend(9).unwrap());
        assert!(sus.lift_suspension(9).unwrap());
        assert_eq!(sus.get(9).unwrap(), 0);
        assert_eq!(sus.version(), 3);

        let two = StatusSize::new(2).unwrap();
        let mut msg = StatusList::with_size(URL, StatusPurpose::Message, MIN_ENTRIES, two).unwrap();
        msg.set_message(3, 2).unwrap();
        msg.set_message(4, 3).unwrap();
        assert!(matches!(
            msg.set_message(4, 4),
            Err(StatusError::ValueTooLarge { .. })
        ));
        assert_eq!(msg.count_set(), 2);
        msg.set_message(3, 0).unwrap();
        assert_eq!(msg.count_set(), 1);
    }

    #[test]
    fn small_lists_are_refused() {
        assert!(matches!(
            StatusList::new(URL, StatusPurpose::Revocation, 1000),
            Err(StatusError::ListTooShort { .. })
        ));
    }

    #[test]
    fn serde_round_trip_keeps_bits_and_versions() {
        let mut list = StatusList::new(URL, StatusPurpose::Suspension, MIN_ENTRIES).unwrap();
        list.suspend(131_071).unwrap();
        list.mark_signed(1);
        let json = serde_json::to_value(&list).unwrap();
        let back: StatusList = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, list);
        assert!(back.is_dirty());
        let mut bad = json;
        bad["entries"] = 300_000.into();
        assert!(serde_json::from_value::<StatusList>(bad).is_err());
    }
}
