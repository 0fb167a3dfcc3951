//! A citizen's wallet, from Rust: create the encrypted safe, receive a birth certificate, share
//! it with a bank that asked for it with a challenge, read the consent log, back it up and
//! restore it elsewhere.
//!
//! ```text
//! cargo run --example wallet_share
//! ```

use anyhow::Context;
use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model::{DocumentType, sample};
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;
use civitas_verifier::{Verdict, Verifier, VerifyOptions};
use civitas_wallet::{ImportOptions, ShareRequest, Wallet};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // The safe: every record sealed under a key derived from the passphrase (Argon2id; the
    // cheap testing parameters keep this example fast — a real wallet uses the defaults).
    let passphrase = b"correct horse battery staple";
    let wallet = Wallet::create(&dir.path().join("wallet"), passphrase, KdfParams::testing())?;
    let holder = wallet.holder_keys()?[0].did.clone();
    println!("holder {holder}");

    // A civil status office issues the birth certificate to the holder's DID.
    let office = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    // The bundled birth certificate profile's sample record, held by the citizen's DID.
    let birth = DocumentType::named("birth")?;
    let mut record = sample(&birth).context("the birth certificate's sample")?;
    if let Some(known) = birth.profile() {
        known.profile.set_holder(&mut record, Some(&holder));
    }
    let unsigned = CredentialBuilder::new(office.controller())
        .document(&birth, record)
        .build()?;
    let signed = secure_credential(
        unsigned.json(),
        &office,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await?;

    // Import: verified first (here against any issuer; a real wallet uses the ministry's
    // bundle, see verify_offline), then stored sealed.
    let verifier = Verifier::builder().trust_any_issuer().build().await?;
    let doc = wallet
        .import(signed.as_bytes(), &verifier, &ImportOptions::default())
        .await?;
    println!("stored {}: {}", doc.id, doc.description);

    // The bank asks with a challenge and its domain; the holder consents to share this one.
    let request = ShareRequest {
        documents: vec![doc.id.clone()],
        challenge: "bank-7f3a91".into(),
        domain: "https://bank.example".into(),
        recipient: Some("Bank of Port Louis".into()),
        holder: None,
    };
    let shared = wallet.present(&request).await?;
    let asked = VerifyOptions {
        challenge: Some(request.challenge.clone()),
        domain: Some(request.domain.clone()),
        ..VerifyOptions::default()
    };
    let report = verifier.verify(shared.payload.as_bytes(), &asked).await;
    println!("the bank says: {:?}", report.verdict);
    anyhow::ensure!(report.verdict == Verdict::Valid, "{report}");

    // Every share is in the consent log.
    for entry in wallet.consent_log()? {
        println!(
            "shared #{} at {} with {} (challenge {})",
            entry.seq,
            entry.at,
            entry.recipient.as_deref().unwrap_or("?"),
            entry.challenge.as_deref().unwrap_or("-")
        );
    }

    // One encrypted backup file; restored elsewhere with the passphrase, it is the same safe.
    let backup = wallet.backup()?;
    let restored = Wallet::restore(&backup, passphrase, &dir.path().join("new-phone"))?;
    println!(
        "backup of {} bytes restored: {} document(s), {} share(s) logged",
        backup.len(),
        restored.documents()?.len(),
        restored.consent_log()?.len()
    );
    Ok(())
}
