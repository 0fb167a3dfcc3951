//! Console sessions: an issuer token is exchanged, once, for a session; the browser holds only
//! the session id, in the cookie `civitas_console` (`HttpOnly; Secure; SameSite=Strict;
//! Path=/console; Max-Age=1800`).
//!
//! The id is 32 random bytes (base64url); the server keeps, in memory, only its SHA-256, with
//! the token's hash and name, the session's CSRF token and its expiry (30 minutes after sign-in,
//! not extended). Every request looks the token up again: a token the registry no longer knows
//! ends the session, and the token's current actions are the ones that count. Signing out
//! deletes the session; a restart deletes them all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::Response;
use civitas_web::{Lang, Nav};

use super::error::ConsoleError;
use crate::issuer::Issuer;
use crate::jcs::sha256_hex;
use crate::store::{SessionStore, StoredSession};
use crate::tokens::{Action, TokenRecord, random_secret};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "civitas_console";
/// How long a session lives after sign-in.
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Most sessions kept at once (expired ones are dropped first; beyond, the oldest).
const MAX_SESSIONS: usize = 10_000;

/// The sessions of one console, by SHA-256 (hex) of their id: in the registry when several
/// instances share it (any of them may receive the clerk's next request), else in memory.
pub(crate) struct Sessions {
    store: Option<Arc<dyn SessionStore>>,
    map: Mutex<HashMap<String, StoredSession>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("in_registry", &self.store.is_some())
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// Sessions kept in `store`, or in memory.
    pub(crate) fn new(store: Option<Arc<dyn SessionStore>>) -> Self {
        Self {
            store,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Opens a session for `token`; returns the session id (for the cookie only).
    pub(crate) fn open(&self, token: &TokenRecord) -> Result<String, ConsoleError> {
        let id = random_secret(32);
        let now = Utc::now();
        let session = StoredSession {
            token_hash: token.hash.clone(),
            csrf: random_secret(32),
            expires_at: now + SESSION_LIFETIME,
        };
        let key = sha256_hex(id.as_bytes());
        if let Some(store) = &self.store {
            store.put_session(&key, &session)?;
            return Ok(id);
        }
        let mut map = self.map.lock().map_err(|_| ConsoleError::SessionStore)?;
        map.retain(|_, s| s.expires_at > now);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.expires_at)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(key, session);
        Ok(id)
    }

    /// The live session of id `id`.
    fn get(&self, id: &str) -> Result<Option<StoredSession>, ConsoleError> {
        let key = sha256_hex(id.as_bytes());
        let found = match &self.store {
            Some(store) => store.session(&key)?,
            None => self
                .map
                .lock()
                .map_err(|_| ConsoleError::SessionStore)?
                .get(&key)
                .cloned(),
        };
        match found {
            Some(s) if s.expires_at > Utc::now() => Ok(Some(s)),
            Some(_) => {
                self.close(id)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Ends the session of id `id`.
    pub(crate) fn close(&self, id: &str) -> Result<(), ConsoleError> {
        let key = sha256_hex(id.as_bytes());
        match &self.store {
            Some(store) => store.remove_session(&key)?,
            None => {
                self.map
                    .lock()
                    .map_err(|_| ConsoleError::SessionStore)?
                    .remove(&key);
            }
        }
        Ok(())
    }
}

/// The `Set-Cookie` value of a new session.
pub(crate) fn session_cookie(id: &str) -> Result<HeaderValue, ConsoleError> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; HttpOnly; Secure; SameSite=Strict; Path=/console; Max-Age={}",
        SESSION_LIFETIME.as_secs()
    ))
    .map_err(|_| ConsoleError::SessionStore)
}

/// The `Set-Cookie` value that deletes the session cookie.
pub(crate) fn cleared_session_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "civitas_console=; HttpOnly; Secure; SameSite=Strict; Path=/console; Max-Age=0",
    )
}

/// The sessions of the console serving this request.
pub(crate) fn sessions(parts: &Parts) -> Result<Arc<Sessions>, ConsoleError> {
    parts
        .extensions
        .get::<Arc<Sessions>>()
        .cloned()
        .ok_or(ConsoleError::SessionStore)
}

/// A signed-in clerk, as an extractor: the request's session cookie names a live session whose
/// token the registry still knows. Otherwise the rejection sends the browser to sign in.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    /// The session id, as the cookie holds it.
    pub(crate) id: String,
    /// The token's record, as the registry has it now (its name goes to the audit log).
    pub(crate) token: TokenRecord,
    /// The session's CSRF token.
    pub(crate) csrf: String,
}

impl SignedIn {
    /// Whether the token allows `action` (`admin` allows everything).
    pub(crate) fn allows(&self, action: Action) -> bool {
        self.token.allows(action)
    }

    /// `Ok` when the token allows `action`, else the 403 page's error.
    pub(crate) fn require(&self, action: Action) -> Result<(), ConsoleError> {
        if self.allows(action) {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden(action))
        }
    }

    /// The header navigation of the session's pages.
    pub(crate) fn nav(&self) -> Nav {
        Nav::Console(civitas_web::ConsoleNav {
            issue: self.allows(Action::Issue),
            admin: self.allows(Action::Admin),
            csrf: self.csrf.clone(),
        })
    }

    /// The name actions are recorded under in the audit log.
    pub(crate) fn actor(&self) -> &str {
        &self.token.name
    }
}

impl SignedIn {
    /// The clerk of the request `parts`.
    pub(crate) fn of(parts: &Parts, issuer: &Issuer) -> Result<Self, ConsoleError> {
        let id = civitas_web::lang::cookie(&parts.headers, SESSION_COOKIE)
            .filter(|v| !v.is_empty())
            .ok_or(ConsoleError::NotSignedIn)?;
        let sessions = sessions(parts)?;
        let session = sessions.get(&id)?.ok_or(ConsoleError::NotSignedIn)?;
        let Some(token) = issuer.store().token(&session.token_hash)? else {
            // the token is gone: so is the session
            sessions.close(&id)?;
            return Err(ConsoleError::NotSignedIn);
        };
        Ok(Self {
            id,
            token,
            csrf: session.csrf,
        })
    }
}

impl FromRequestParts<Arc<Issuer>> for SignedIn {
    /// The sign-in redirect, or an error page in the request's language.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, issuer: &Arc<Issuer>) -> Result<Self, Response> {
        Self::of(parts, issuer).map_err(|e| e.page(request_lang(parts), Nav::SignIn))
    }
}

/// The page language of the request `parts` ([`Lang::negotiate`]).
pub(crate) fn request_lang(parts: &Parts) -> Lang {
    let query_lang = parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "lang")
            .map(|(_, v)| v)
    });
    Lang::negotiate(query_lang, &parts.headers)
}
