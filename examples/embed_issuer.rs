//! Issuing civil-registry credentials from your own Rust code: a registry application embeds the
//! civitas issuer instead of calling its HTTP API.
//!
//! ```text
//! cargo run --example embed_issuer [DATA_DIR]
//! ```
//!
//! It opens (or creates) an issuer in DATA_DIR (default: a fresh temporary directory) with a
//! did:key identity, issues a birth certificate built from a typed record, shows that issuing
//! the same record again returns the same credential, revokes it, and prints the credential.

use anyhow::Context;
use chrono::NaiveDate;
use civitas_core::model::{BirthCertificate, Person, Place, Registration, Sex};
use civitas_issuer::{DidMethod, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
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

    // A typed record: the builder refuses incomplete or inconsistent ones, naming the field.
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).context("date");
    let record = BirthCertificate::builder()
        .child("Ravi", "Doorgah")
        .sex(Sex::Male)
        .born_on(date(2025, 1, 9)?)
        .place(Place::new("Port Louis", "MU").named("Dr A. G. Jeetoo Hospital"))
        .mother(Person::new("Sophie", "Li").nationality("MU"))
        .registration(Registration::new(
            "PL/B/2025/000042",
            "Civil Status Office, Port Louis",
            date(2025, 1, 13)?,
            "K. Appadoo",
        ))
        .build()?;

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
