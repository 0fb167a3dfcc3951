//! Helpers shared by civitas-qr's test modules: generated phone photographs of QR codes, and
//! the repository's vectors and test issuers (from civitas-testkit).
#![allow(dead_code)]

pub mod photo;

pub use civitas_testkit::vectors::{
    TEST_SEED, TEST_TIME, json, test_p256_signer, test_signer, vectors,
};
