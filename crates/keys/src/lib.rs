#![doc = include_str!("../README.md")]
//!
//! civitas-keys: who signs, and how a signature's key is found.
//!
//! * [`keys`], [`encoding`]: Ed25519 and P-256 key pairs, JWK and Multikey, multibase
//!   base58btc, base64url and multicodec prefixes.
//! * [`did`], [`resolver`]: `did:key` (computed) and `did:web` controller documents, resolved
//!   from documents the caller pins: nothing here touches the network.
//! * [`signer`]: the [`signer::Signer`] trait every signature in civitas goes through (a file
//!   key, an HSM, a remote service) and the local signer.
//! * [`sealed`]: secrets at rest (Argon2id + ChaCha20-Poly1305).
//!
//! It knows nothing of credentials: civitas-core signs documents with these keys.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod did;
pub mod encoding;
pub mod keys;
pub mod resolver;
pub mod sealed;
pub mod signer;
