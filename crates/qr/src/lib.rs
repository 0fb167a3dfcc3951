#![doc = include_str!("../README.md")]
//!
//! civitas-qr: a credential on paper and back.
//!
//! * [`compact`]: the CV1 compact form of a credential (CBOR claims with short keys,
//!   COSE_Sign1, DEFLATE with a preset dictionary, Base45, `CV1:` prefix; SPEC.md §13), its
//!   decoding and the check that rebuilds the full credential from it.
//! * [`symbol`]: the QR symbol of that text (alphanumeric mode, SVG or PNG).
//! * [`photo`] (feature `photo`, on by default): reading the QR code back from a phone photo or
//!   a scan, bounded in size and work.
//!
//! The symbol's and the reader's main items are re-exported here.
//!
//! ```
//! use civitas_core::{credential::CredentialBuilder, model::{DocumentType, sample}};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, resolver::OfflineResolver, signer::LocalSigner};
//! use civitas_qr::{EcLevel, QrSymbol, compact, decode_image};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let birth = DocumentType::named("BirthCertificate")?;
//! let credential = CredentialBuilder::new(signer.controller())
//!     .document(&birth, sample(&birth).expect("a sample"))
//!     .build()?;
//!
//! // The issuer: compact text, QR code.
//! let text = compact::encode(&credential, &signer).await?;
//! let png = QrSymbol::encode(&text, EcLevel::M)?.to_png(4)?;
//!
//! // A verifier, from a photo of the QR code: the text, its signature, the credential.
//! let read = compact::decode(&decode_image(&png)?)?;
//! read.verify_signature(&OfflineResolver::new()).await?;
//! assert_eq!(read.to_credential_json(), *credential.json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod compact;
#[cfg(feature = "photo")]
pub mod photo;
pub mod symbol;

#[cfg(feature = "photo")]
pub use photo::{
    MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, SEARCH_SIDE, WORK_BUDGET_PIXELS,
    decode_image, decode_luma, image_dimensions, load_luma,
};
pub use symbol::{EcLevel, GrayImage, QUIET_ZONE, QrError, QrSymbol, is_alphanumeric_mode};
