//! Helpers shared by civitas-jsonld's test modules.

use std::path::PathBuf;

/// The repository's `vectors/` directory (the W3C suites are under `vectors/w3c`).
pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}
