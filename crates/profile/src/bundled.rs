//! The profiles civitas ships, embedded in the library.

use crate::error::ProfileError;
use crate::format::Profile;

/// The bundled profile files: (name, TOML text).
pub const BUNDLED: [(&str, &str); 7] = [
    (
        "birth-certificate",
        include_str!("../profiles/birth-certificate.toml"),
    ),
    (
        "marriage-certificate",
        include_str!("../profiles/marriage-certificate.toml"),
    ),
    (
        "death-certificate",
        include_str!("../profiles/death-certificate.toml"),
    ),
    (
        "driving-licence",
        include_str!("../profiles/driving-licence.toml"),
    ),
    (
        "academic-certificate",
        include_str!("../profiles/academic-certificate.toml"),
    ),
    ("e-payslip", include_str!("../profiles/e-payslip.toml")),
    (
        "vaccination-certificate",
        include_str!("../profiles/vaccination-certificate.toml"),
    ),
];

/// Every bundled profile, loaded (each is named `bundled:<name>` in errors).
pub fn bundled() -> Result<Vec<Profile>, ProfileError> {
    BUNDLED
        .iter()
        .map(|(name, text)| Profile::from_toml(text, &format!("bundled:{name}")))
        .collect()
}

/// The bundled profile called `name` (`birth-certificate`), loaded; `None` when there is none.
pub fn bundled_profile(name: &str) -> Option<Result<Profile, ProfileError>> {
    BUNDLED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| Profile::from_toml(text, &format!("bundled:{n}")))
}
