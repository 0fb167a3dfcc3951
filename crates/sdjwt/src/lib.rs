//! civitas SD-JWT VC: government documents as SD-JWT Verifiable Credentials (`dc+sd-jwt`,
//! draft-ietf-oauth-sd-jwt-vc over SD-JWT, RFC 9901), and the IETF Token Status List
//! (draft-ietf-oauth-status-list).
//!
//! - [`issue`]: claims → SD-JWT VC, each selectively disclosable claim path a disclosure,
//!   with decoy digests;
//! - [`present`]: keep only some disclosures ([`present::select`]) and add a key binding JWT
//!   ([`present::with_key_binding`]);
//! - [`verify`]: parse with limits and verify everything, key binding included;
//! - [`status_list`]: the Token Status List and its signed `statuslist+jwt`;
//! - [`vct`]: civitas' `vct` convention.
//!
//! No HTTP and no DCQL query evaluation here: callers fetch keys and status lists, and map
//! queries to [`path::SdPath`]s.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod disclosure;
pub mod error;
pub mod issue;
mod jws;
pub mod path;
pub mod present;
pub mod status_list;
pub mod vct;
pub mod verify;

pub use disclosure::Disclosure;
pub use error::SdJwtError;
pub use issue::{IssueOptions, IssuedSdJwt, StatusReference, issue};
pub use path::{SdPath, SdStep};
pub use present::{select, with_key_binding};
pub use status_list::TokenStatusList;
pub use verify::{KeyBindingPolicy, VerifiedSdJwt, VerifyOptions, parse, verify};

/// The `typ` of an SD-JWT VC.
pub const SD_JWT_VC_TYPE: &str = "dc+sd-jwt";
/// The earlier `typ` of an SD-JWT VC, still accepted when verifying.
pub const LEGACY_SD_JWT_VC_TYPE: &str = "vc+sd-jwt";
/// The `typ` of a key binding JWT.
pub const KB_JWT_TYPE: &str = "kb+jwt";
