//! civitas-qr's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one subject; `common` holds their shared helpers.

mod bundled_types;
mod common;
mod compact_proptest;
mod compact_roundtrip;
mod qr_photos;
mod qr_roundtrip;
