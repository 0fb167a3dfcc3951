//! civitas-render: the printed side of civitas.
//!
//! * [`qr`] (always built): the QR code of a compact credential (`CV1:...`, see
//!   [`civitas_core::compact`]) — made in alphanumeric mode as SVG or PNG with its version and
//!   error-correction level, and read back from a PNG or JPEG photo or scan with a pure-Rust
//!   reader. A verifier or a wallet depends on this crate with the default features, which pull
//!   no PDF or font machinery.
//! * [`certificate`] (feature `certificate`): printable birth and marriage certificates in SVG,
//!   PDF and PNG, laid out like an extract of the civil-status register with bilingual labels
//!   (English / French), the QR code at the bottom right, the credential id and a short "how to
//!   verify" line, in the bundled DejaVu Sans so that they render the same everywhere, offline.
//!
//! # From credential to QR code and back
//!
//! ```
//! use civitas_core::{compact, credential::CredentialBuilder, keys::{KeyAlgorithm, KeyPair},
//!     model::samples, resolver::OfflineResolver, signer::LocalSigner};
//! use civitas_render::qr::{EcLevel, QrSymbol, decode_image};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let credential = CredentialBuilder::new(signer.controller())
//!     .document(&samples::birth_certificate())
//!     .build()?;
//!
//! // The issuer: compact text, QR code.
//! let text = compact::encode(&credential, &signer).await?;
//! let symbol = QrSymbol::encode(&text, EcLevel::M)?;
//! let png = symbol.to_png(4)?;
//!
//! // A verifier, from a photo of the QR code.
//! let read = compact::decode(&decode_image(&png)?)?;
//! read.verify_signature(&OfflineResolver::new()).await?;
//! assert_eq!(read.to_credential_json(), *credential.json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "certificate")]
pub mod certificate;
pub mod qr;
