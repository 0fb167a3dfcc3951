#![doc = include_str!("../README.md")]
//!
//! civitas-hsm: the issuer's signing key in a PKCS#11 token.
//!
//! * [`config`]: [`HsmConfig`], the serde configuration (module, token, key label, algorithm,
//!   where the PIN is read from) and its validation.
//! * [`token`]: [`HsmToken`], a logged-in session on one token: keys by label, listing,
//!   generation.
//! * [`signer`]: [`Pkcs11Signer`], the [`civitas_keys::signer::Signer`] over one key of the
//!   token, and its rotation.
//! * [`error`]: [`HsmError`], naming the operation and the token and key of each failure.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
mod ec;
pub mod error;
pub mod signer;
pub mod token;

pub use config::{ConfigError, HsmConfig};
pub use error::{HsmError, Operation};
pub use signer::{Pkcs11Signer, Rotation};
pub use token::{HsmToken, KeyInfo};
