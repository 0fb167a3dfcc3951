//! Sample subjects of the known document types, for tests: each profile's `[sample]`, with the
//! holder set or removed.

use civitas_core::model::{DocumentType, sample as profile_sample};
use serde_json::Value;

/// The sample subject of the known type `kind` (`BirthCertificate`, `birth`), its first holder
/// `holder` (none: no holder). Panics on an unknown type: test code.
pub fn sample(kind: &str, holder: Option<&str>) -> (DocumentType, Value) {
    let kind = DocumentType::named(kind).unwrap_or_else(|e| panic!("{e}"));
    let known = kind
        .profile()
        .unwrap_or_else(|| panic!("{kind} has a profile"));
    let mut subject = profile_sample(&kind).unwrap_or_else(|| panic!("{kind} has a sample"));
    known.profile.set_holder(&mut subject, holder);
    (kind, subject)
}

/// The sample birth certificate subject, as the profile gives it (with its holder DID).
pub fn birth() -> Value {
    subject("BirthCertificate")
}

/// The sample marriage certificate subject, as the profile gives it.
pub fn marriage() -> Value {
    subject("MarriageCertificate")
}

/// The sample subject of the known type `kind`, as its profile gives it.
pub fn subject(kind: &str) -> Value {
    let kind = DocumentType::named(kind).unwrap_or_else(|e| panic!("{e}"));
    profile_sample(&kind).unwrap_or_else(|| panic!("{kind} has a sample"))
}

/// The known type `kind`. Panics on an unknown type: test code.
pub fn kind(kind: &str) -> DocumentType {
    DocumentType::named(kind).unwrap_or_else(|e| panic!("{e}"))
}

/// The sample birth record without a holder: the registry's record as it names no DID.
pub fn birth_record() -> Value {
    sample("BirthCertificate", None).1
}

/// The sample marriage record without a holder.
pub fn marriage_record() -> Value {
    sample("MarriageCertificate", None).1
}

/// The sample record of the known type `kind` without a holder, as an issuer's
/// [`Document`](../../civitas_issuer/struct.Document.html) takes it.
pub fn record(kind: &str) -> Value {
    sample(kind, None).1
}

/// A profile written only for a test, unknown to civitas: the bundled death certificate
/// renamed `type_name` (`TestBurialPermit`), titled "Burial permit", with its own context
/// (`https://example.test/<type_name>/v1`), schema URL and QR document code `code` (keep it
/// above 100: the bundled types use 1 to 7). Its text, ready to write to a file.
pub fn test_profile(type_name: &str, code: u64) -> String {
    let death = civitas_core::profile::BUNDLED
        .iter()
        .find(|(name, _)| *name == "death-certificate")
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("the bundled death certificate profile"));
    death
        .replace(
            "https://w3id.org/civitas/death-certificate/v1",
            &format!("https://example.test/{type_name}/v1"),
        )
        .replace("DeathCertificate", type_name)
        .replace(
            "label = { en = \"Death Certificate\", fr = \"Acte de décès\" }",
            "label = { en = \"Burial Permit\", fr = \"Permis d'inhumer\" }",
        )
        .replace(
            "title = { en = \"Death Certificate\", fr = \"Acte de décès\" }",
            "title = { en = \"Burial Permit\", fr = \"Permis d'inhumer\" }",
        )
        .replace("Death certificate of", "Burial permit for")
        .replace("\ndocument = 3\n", &format!("\ndocument = {code}\n"))
}
