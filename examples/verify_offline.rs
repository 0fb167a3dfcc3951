//! A verifier app for a bank counter or a border post, offline: it trusts one ministry (the
//! trust anchor), loads the nightly bundle (trust list + status list snapshots + contexts) and
//! checks whatever the citizen hands over — a credential file, a presentation, the `CV1:` text of
//! a QR code, or a photo of the QR code.
//!
//! ```text
//! cargo run --example verify_offline -- BUNDLE ANCHOR DOCUMENT [CHALLENGE DOMAIN]
//! ```
//!
//! ANCHOR is the ministry's DID (`did:key:…`) or its DID document file (`did:web`). Exit code:
//! 0 valid, 1 invalid, 3 indeterminate (e.g. a status snapshot older than a day), 2 bad input.

use std::time::Duration;

use anyhow::{Context, bail};
use civitas_keys::did::ControllerDocument;
use civitas_verifier::bundle::Bundle;
use civitas_verifier::trust::TrustAnchor;
use civitas_verifier::{Document, ReadError, Verdict, Verifier, VerifyOptions};

/// Reads at most `limit` bytes of `path` (everything handed over is size-limited).
fn read(path: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {path}"))?
        .len();
    if size > limit {
        bail!("{path}: {size} bytes, more than the {limit} accepted");
    }
    std::fs::read(path).with_context(|| format!("reading {path}"))
}

async fn run(args: &[String]) -> anyhow::Result<Verdict> {
    let [bundle, anchor, document, rest @ ..] = args else {
        bail!("usage: verify_offline BUNDLE ANCHOR DOCUMENT [CHALLENGE DOMAIN]");
    };
    // The trust anchor: a DID, or a pinned DID document.
    let anchor = if anchor.starts_with("did:") {
        TrustAnchor::did(anchor)
    } else {
        let doc: ControllerDocument = serde_json::from_slice(&read(anchor, 1 << 20)?)
            .with_context(|| format!("{anchor}: not a DID document"))?;
        TrustAnchor::document(doc)
    };
    // The bundle: its trust list must be signed by the anchor; snapshots older than a day are
    // stale (the status check is then indeterminate, never valid).
    let bundle = Bundle::parse(&read(bundle, 64 << 20)?).context("reading the bundle")?;
    let verifier =
        Verifier::from_bundle(&bundle, vec![anchor], Duration::from_secs(86_400)).await?;
    // What the verifier asked the holder for, if this is a presentation.
    let options = VerifyOptions {
        challenge: rest.first().cloned(),
        domain: rest.get(1).cloned(),
        ..VerifyOptions::default()
    };
    // What was handed over is read once (a photo's QR code included); the summary is made from
    // the report. A photo whose QR code cannot be read says nothing about the document.
    let report = match Document::read(&read(document, 32 << 20)?) {
        Ok(document) => verifier.verify_document(&document, &options).await,
        Err(ReadError::Photo(e)) => {
            return Err(e).context("cannot read this image (this says nothing about the document)");
        }
        Err(unreadable) => unreadable.report(),
    };
    println!("{}", verifier.summarize(&report));
    println!("{report}");
    Ok(report.verdict)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match run(&args).await {
        Ok(Verdict::Valid) => 0,
        Ok(Verdict::Invalid) => 1,
        Ok(Verdict::Indeterminate) => 3,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}
