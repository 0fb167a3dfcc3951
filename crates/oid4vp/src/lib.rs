#![doc = include_str!("../README.md")]
//!
//! The flow, in the order the parties meet it: the verifier builds a [`dcql::DcqlQuery`] and an
//! [`request::AuthorizationRequest`], signs it ([`request::sign_request_object`]) and shows a
//! [`uri::request_link`]; the wallet parses the link ([`uri::parse_request_link`]), fetches
//! the request object and checks it ([`request::verify_request_object`]), matches the query
//! against its credentials ([`dcql::match_claims`]) and POSTs an
//! [`response::AuthorizationResponse`]; the verifier parses it
//! ([`response::AuthorizationResponse::parse_form`]) and checks it against its query. Every
//! refusal is an [`error::Oid4vpError`]. Time is always passed in (`now`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dcql;
pub mod encoding;
pub mod error;
pub mod limits;
pub mod request;
pub mod response;
pub mod uri;

pub use error::Oid4vpError;
