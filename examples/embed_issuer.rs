//! Issuing civil-registry credentials from your own Rust code: a registry application embeds the
//! civitas issuer instead of calling its HTTP API.
//!
//! ```text
//! cargo run --example embed_issuer [DATA_DIR]
//! ```
//!
//! It opens (or creates) an issuer in DATA_DIR (default: a fresh temporary directory) with a
//! did:key identity, issues a birth certificate built from a registry record (checked against
//! the bundled birth certificate profile), shows that issuing
//! the same record again returns the same credential, revokes it, and prints the credential.

use anyhow::Context;
use civitas_core::model::DocumentType;
use civitas_issuer::{DidMethod, Document, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::sealed::KdfParams;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let data_dir = std::env::args()
        .nth(1)
        .map_or_else(|| temp.path().join("registry"), Into::into);

    // The issuer: a did:key identity (use did:web and a real base URL in production), its key
    // sealed under a passphrase in DATA_DIR/keys.
    let config = IssuerConfig::new(&data_dir, "https://registry.gov.example")
        .did_method(DidMethod::Key)
        .passphrase(PassphraseSource::Value(
            "embedded example".to_owned().into(),
        ))
        .kdf(KdfParams::testing());
    let (issuer, _) = Issuer::open(config).await.context("opening the issuer")?;
    println!("issuer {}", issuer.did());

    // A record: its document type is a profile; a record that breaks it (a missing field, a
    // date of birth after the registration) is refused, naming the field by its JSON pointer.
    let birth = DocumentType::named("birth")?;
    let record = Document::new(
        birth,
        serde_json::json!({
            "givenName": "Ravi", "familyName": "Doorgah", "sex": "M",
            "birthDate": "2025-01-09",
            "birthPlace": {"name": "Dr A. G. Jeetoo Hospital", "addressLocality": "Port Louis",
                           "addressCountry": "MU"},
            "mother": {"givenName": "Sophie", "familyName": "Li", "nationality": "MU"},
            "registration": {"registrationNumber": "PL/B/2025/000042",
                             "registrationOffice": "Civil Status Office, Port Louis",
                             "registrationDate": "2025-01-13", "registrar": "K. Appadoo"}
        }),
    )?;

    // Issue it, keyed by the registry's record id; it is on disk when `issue` returns.
    let request = IssueRequest::new(record).source("PL/B/2025/000042");
    let issued = issuer.issue(request.clone(), "embed_issuer").await?;
    println!("issued {} ({:?})", issued.credential_id, issued.outcome);
    let again = issuer.issue(request, "embed_issuer").await?;
    println!("again  {} ({:?})", again.credential_id, again.outcome);
    assert_eq!(again.credential_id, issued.credential_id);

    // Revoke it: the revocation list is re-signed and ready to publish within a second.
    let change = issuer
        .revoke(
            &issued.credential_id,
            Some("recorded in error"),
            "embed_issuer",
        )
        .await?;
    println!("revoked: {}", change.revoked);
    println!("{}", issued.credential);
    Ok(())
}
