#![doc = include_str!("../README.md")]
//!
//! civitas-render: the printed side of civitas.
//!
//! [`certificate`]: printable certificates of every document type civitas knows a profile for, in
//! SVG, PDF and PNG, laid out from the profile's `[certificate]` (title, sections, field labels)
//! with bilingual labels (English / French), the QR code of the compact credential (civitas-qr)
//! at the bottom right, the credential id and a short "how to verify" line, in the bundled DejaVu
//! Sans so that they render the same everywhere, offline.
//!
//! A verifier or a wallet does not need this crate: QR codes and their reading are civitas-qr.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod certificate;
