//! Bearer-token authorization: `Authorization: Bearer civ_…`. No token, or one the issuer does
//! not know: 401 (`WWW-Authenticate: Bearer realm="civitas-issuer"`). A known token that does
//! not allow the action: 403.
//!
//! A handler states the action it needs once, in its signature: `who: Authorized<Issue>`.
//! civitas-http's [`Bearer`] reads the header; this module decides what the token allows.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use civitas_http::bearer::Bearer;

use super::problem::{CHALLENGE, Problem};
use crate::issuer::Issuer;
use crate::tokens::{Action, TokenRecord};

/// An action a handler needs, as a type: [`Issue`], [`Status`] or [`Admin`].
pub trait Permission {
    /// The token action it stands for.
    const ACTION: Action;
}

/// Needs a token allowing [`Action::Issue`].
#[derive(Debug, Clone, Copy)]
pub struct Issue;

/// Needs a token allowing [`Action::Status`].
#[derive(Debug, Clone, Copy)]
pub struct Status;

/// Needs a token allowing [`Action::Admin`].
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl Permission for Issue {
    const ACTION: Action = Action::Issue;
}

impl Permission for Status {
    const ACTION: Action = Action::Status;
}

impl Permission for Admin {
    const ACTION: Action = Action::Admin;
}

/// The record of a bearer token that allows `P`'s action, as an axum extractor on the issuer's
/// router; its rejection is the 401 or 403 problem.
#[derive(Debug, Clone)]
pub struct Authorized<P: Permission> {
    /// The token's record (its `name` goes to the audit log).
    pub token: TokenRecord,
    permission: PhantomData<P>,
}

impl<P: Permission> FromRequestParts<Arc<Issuer>> for Authorized<P> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, issuer: &Arc<Issuer>) -> Result<Self, Problem> {
        let bearer =
            Bearer::from_headers(&parts.headers).map_err(|p| p.with_challenge(CHALLENGE))?;
        Ok(Self {
            token: authorize(issuer, &bearer, P::ACTION)?,
            permission: PhantomData,
        })
    }
}

/// Checks `bearer` for `action`; returns the token's record.
pub fn authorize(issuer: &Issuer, bearer: &Bearer, action: Action) -> Result<TokenRecord, Problem> {
    let record = issuer
        .authenticate(bearer.token())
        .map_err(Problem::from)?
        .ok_or_else(|| {
            Problem::unauthorized("the bearer token is not valid").with_challenge(CHALLENGE)
        })?;
    if !record.allows(action) {
        return Err(Problem::forbidden(&record.name, action.as_str()));
    }
    Ok(record)
}
