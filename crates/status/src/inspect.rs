//! A summary of a status list credential for people and scripts (`civitas status inspect`):
//! size, entries set, validity, issuer, and whether the signature verifies.

use chrono::{DateTime, Utc};
use civitas_core::credential::format_datetime;
use civitas_core::verify::DocumentCheck;

use crate::bitstring::StatusSize;
use crate::credential::{BitstringStatusListCredential, parse_secured};
use crate::error::StatusError;
use crate::verify::verify_secured_list;

/// How many indices [`ListSummary::set_indices`] lists at most.
pub const MAX_LISTED_INDICES: usize = 1000;

/// What a status list credential holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSummary {
    /// The list URL.
    pub id: String,
    /// The issuer.
    pub issuer: String,
    /// The purposes.
    pub purposes: Vec<String>,
    /// The length of the bitstring in bits.
    pub bits: u64,
    /// Entries, counting one bit per entry.
    pub entries: u64,
    /// Bits set to 1 (for a one-bit list: entries revoked / suspended).
    pub set_bits: u64,
    /// The first [`MAX_LISTED_INDICES`] indices whose bit is set.
    pub set_indices: Vec<u64>,
    /// `validFrom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// `validUntil`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Whether `now` lies in the validity period.
    pub valid_now: bool,
    /// `ttl` in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
    /// Whether the signature verifies and the key is the issuer's.
    pub signature: SignatureCheck,
}

/// Whether a status list's signature verifies (serialized as `{"verified": true, "detail"}` or
/// `{"verified": false, "reason"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// It verifies, and the key is one its issuer allows.
    Verified {
        /// How the list is secured (`Data Integrity eddsa-rdfc-2022`, `vc+jwt`).
        secured_with: String,
        /// Which key of the issuer signed it.
        signed_by: String,
    },
    /// It does not verify, or the key is not the issuer's.
    Failed(StatusError),
}

impl SignatureCheck {
    /// Whether the signature verifies.
    pub fn is_verified(&self) -> bool {
        matches!(self, Self::Verified { .. })
    }

    /// What verified it (`<secured with> (<signed by>)`), when it verifies.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Verified {
                secured_with,
                signed_by,
            } => Some(format!("{secured_with} ({signed_by})")),
            Self::Failed(_) => None,
        }
    }
}

impl serde::Serialize for SignatureCheck {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        match self {
            Self::Verified { .. } => {
                map.serialize_entry("verified", &true)?;
                map.serialize_entry("detail", &self.detail())?;
            }
            Self::Failed(reason) => {
                map.serialize_entry("verified", &false)?;
                map.serialize_entry("reason", &reason.to_string())?;
            }
        }
        map.end()
    }
}

impl ListSummary {
    /// Reads a status list credential and summarises it. Only a list that cannot be read at all
    /// is an error; a bad signature is reported in [`signature`](Self::signature).
    pub async fn inspect(
        bytes: &[u8],
        checker: &DocumentCheck,
        now: DateTime<Utc>,
    ) -> Result<Self, StatusError> {
        let secured = parse_secured(bytes)?;
        let list = BitstringStatusListCredential::from_secured(&secured)?;
        let signature = match verify_secured_list(&secured, checker, now).await {
            Ok(v) => SignatureCheck::Verified {
                secured_with: v.secured_with().to_owned(),
                signed_by: v.signed_by().to_owned(),
            },
            Err(e) => SignatureCheck::Failed(e),
        };
        Ok(Self::of(&list, now, signature))
    }

    /// The summary of a parsed list.
    pub fn of(
        list: &BitstringStatusListCredential,
        now: DateTime<Utc>,
        signature: SignatureCheck,
    ) -> Self {
        let valid_now =
            list.valid_from.is_none_or(|f| now >= f) && list.valid_until.is_none_or(|u| now <= u);
        Self {
            id: list.id.clone(),
            issuer: list.issuer.clone(),
            purposes: list
                .purposes
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            bits: list.bits.len_bits(),
            entries: list.bits.entries(StatusSize::ONE),
            set_bits: list.bits.count_ones(),
            set_indices: list
                .bits
                .nonzero(StatusSize::ONE)
                .take(MAX_LISTED_INDICES)
                .map(|(i, _)| i)
                .collect(),
            valid_from: list.valid_from.map(format_datetime),
            valid_until: list.valid_until.map(format_datetime),
            valid_now,
            ttl_ms: list
                .ttl
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            signature,
        }
    }
}

impl std::fmt::Display for ListSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "status list {}", self.id)?;
        writeln!(f, "  issuer:     {}", self.issuer)?;
        writeln!(f, "  purpose:    {}", self.purposes.join(", "))?;
        writeln!(
            f,
            "  size:       {} bits ({} one-bit entries)",
            self.bits, self.entries
        )?;
        let shown: Vec<String> = self
            .set_indices
            .iter()
            .take(20)
            .map(u64::to_string)
            .collect();
        let more = if self.set_bits as usize > shown.len() {
            ", ..."
        } else {
            ""
        };
        writeln!(
            f,
            "  set:        {} bit(s){}",
            self.set_bits,
            if shown.is_empty() {
                String::new()
            } else {
                format!(" at {}{more}", shown.join(", "))
            }
        )?;
        writeln!(
            f,
            "  validity:   {} to {} ({})",
            self.valid_from.as_deref().unwrap_or("(no validFrom)"),
            self.valid_until.as_deref().unwrap_or("(no validUntil)"),
            if self.valid_now {
                "valid now"
            } else {
                "NOT valid now"
            }
        )?;
        if let Some(ttl) = self.ttl_ms {
            writeln!(f, "  ttl:        {ttl} ms")?;
        }
        match &self.signature {
            SignatureCheck::Verified {
                secured_with,
                signed_by,
            } => writeln!(f, "  signature:  ok, {secured_with} ({signed_by})"),
            SignatureCheck::Failed(e) => writeln!(f, "  signature:  FAILED: {e}"),
        }
    }
}
