//! Bearer-token authentication: `Authorization: Bearer civ_…`. No token, or one the issuer does
//! not know: 401. A known token that does not allow the action: 403.

use axum::http::{HeaderMap, header};

use super::problem::Problem;
use crate::issuer::Issuer;
use crate::tokens::{Action, TokenRecord};

/// Checks the request's token for `action`; returns the token's record.
pub fn require(
    issuer: &Issuer,
    headers: &HeaderMap,
    action: Action,
) -> Result<TokenRecord, Problem> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        Problem::unauthorized("this endpoint needs `Authorization: Bearer <token>`")
    })?;
    let text = value
        .to_str()
        .map_err(|_| Problem::unauthorized("the Authorization header is not text"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            Problem::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    let record = issuer
        .authenticate(token)
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::unauthorized("the bearer token is not valid"))?;
    if !record.allows(action) {
        return Err(Problem::forbidden(&record.name, action.as_str()));
    }
    Ok(record)
}
