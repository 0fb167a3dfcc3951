//! The Token Status List form of the revocation lists (IETF OAuth Status List; SPEC.md
//! §12.12), for the copies issued as SD-JWT VCs: `<base>/status/token/<n>` is a
//! `statuslist+jwt` signed by the issuer, derived from revocation list `<n>` with two bits per
//! entry: `0x01` (INVALID) where the revocation bit is set, `0x02` (SUSPENDED) where an SD-JWT
//! VC copy listed there is suspended. It is derived from the same lists as the Bitstring
//! Status Lists, so one revocation flips both; it is signed when asked for and kept until
//! those lists change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use civitas_sdjwt::status_list::{self, TokenStatusList};
use civitas_status::StatusPurpose;

use crate::error::{IssuerError, SigningError, UnavailableReason};
use crate::status::etag_of;

use super::Issuer;

/// The path segment of token lists: `<base>/status/token/<n>`.
pub const TOKEN_SEGMENT: &str = "token";
/// The bits per entry of a token list.
const TOKEN_BITS: u8 = 2;

/// A signed token list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedToken {
    /// The compact JWT (`typ: statuslist+jwt`).
    pub body: String,
    /// Its strong ETag.
    pub etag: String,
}

/// The versions of the lists a token list was derived from: `(list URL, version)`.
type Versions = Vec<(String, u64)>;

/// The signed token lists, by URL, with the list versions they were derived from.
#[derive(Debug, Default)]
pub(crate) struct TokenCache(Mutex<HashMap<String, (Versions, Arc<SignedToken>)>>);

impl Issuer {
    /// The URL of the token list derived from revocation list `number`.
    pub fn token_list_url(&self, number: u64) -> String {
        format!("{}/{number}", self.config().status_base(TOKEN_SEGMENT))
    }

    /// The token list URL of the revocation list at `revocation_url`, if it is one of this
    /// issuer's.
    pub fn token_list_url_of(&self, revocation_url: &str) -> Option<String> {
        let base = self
            .config()
            .status_base(StatusPurpose::Revocation.as_str());
        let number = revocation_url.strip_prefix(&base)?.strip_prefix('/')?;
        number.parse::<u64>().ok().map(|n| self.token_list_url(n))
    }

    /// The signed token list derived from revocation list `number` (`None`: no such list),
    /// signed now if the lists it derives from changed since it was last signed.
    pub async fn status_list_token(
        &self,
        number: u64,
    ) -> Result<Option<Arc<SignedToken>>, IssuerError> {
        let revocation = self.list_url(StatusPurpose::Revocation, number);
        let url = self.token_list_url(number);
        let cache = &self.inner().tokens;
        self.know_list(&revocation)?;
        let state = {
            let book = self.inner().book.lock().map_err(|_| {
                IssuerError::Unavailable(UnavailableReason::Poisoned("status book"))
            })?;
            let Some(versions) = book.token_versions(&revocation) else {
                return Ok(None);
            };
            // unchanged since it was signed: the token list as signed, nothing recomputed
            if let Ok(map) = cache.0.lock()
                && let Some((signed, token)) = map.get(&url)
                && *signed == versions
            {
                return Ok(Some(token.clone()));
            }
            match book.token_state(&revocation) {
                Some(s) => s,
                None => return Ok(None),
            }
        };
        let signing_error = |e: civitas_sdjwt::SdJwtError| {
            IssuerError::Signing(SigningError::Token {
                url: url.clone(),
                reason: e.to_string(),
            })
        };
        let mut list = TokenStatusList::new(TOKEN_BITS, state.entries).map_err(signing_error)?;
        for (index, value) in &state.values {
            list.set(*index, *value).map_err(signing_error)?;
        }
        let now = Utc::now().timestamp();
        let ttl = self.config().status_list_ttl.as_secs();
        let signer = self.issuing_signer()?;
        let body =
            status_list::sign_status_list_token(&list, &url, now, None, Some(ttl), signer.as_ref())
                .await
                .map_err(signing_error)?;
        let token = Arc::new(SignedToken {
            etag: etag_of(&body),
            body,
        });
        if let Ok(mut map) = cache.0.lock() {
            map.insert(url, (state.versions, token.clone()));
        }
        Ok(Some(token))
    }
}
