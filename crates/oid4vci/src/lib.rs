#![doc = include_str!("../README.md")]
//!
//! The flow, in the order a wallet meets it: [`metadata`] → [`offer`] → token ([`codes`]) →
//! [`nonce`] → credential request ([`request`]) with its key proof ([`proof`]); every refusal
//! is an [`error::Oid4vciError`]. Time is always passed in (`now`), so that tests need no clock.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod codes;
pub mod error;
pub mod metadata;
pub mod nonce;
pub mod offer;
pub mod proof;
pub mod request;
pub mod secret;

pub use error::Oid4vciError;
