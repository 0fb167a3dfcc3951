//! civitas-core (work in progress)
#![forbid(unsafe_code)]
#![deny(missing_docs)]
pub mod canon;
pub mod contexts;
pub mod credential;
pub mod data_integrity;
pub mod did;
pub mod encoding;
pub mod jwt;
pub mod keys;
pub mod model;
pub mod report;
pub mod resolver;
pub mod schema;
pub mod signer;
pub mod verify;
