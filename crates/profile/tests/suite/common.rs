//! Shared helpers: the bundled profiles and the repository's files.

use std::path::PathBuf;

use civitas_profile::{Profile, bundled_profile};
use serde_json::Value;

/// A bundled profile, loaded.
pub fn profile(name: &str) -> Profile {
    bundled_profile(name)
        .unwrap_or_else(|| panic!("no bundled profile {name}"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A file of the repository, from the workspace root.
pub fn repo_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A JSON file of the repository.
pub fn repo_json(path: &str) -> Value {
    serde_json::from_str(&repo_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The pointers of a validation's errors.
pub fn pointers(profile: &Profile, subject: &Value) -> Vec<String> {
    profile
        .validate(subject)
        .into_iter()
        .map(|e| e.pointer)
        .collect()
}
