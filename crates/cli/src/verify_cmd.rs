//! `civitas verify`: verify a credential (Data Integrity, vc+jwt, compact QR text) or a
//! presentation against a trust list and status lists, and say so in words a clerk can read.

use std::path::PathBuf;

use civitas_core::report::{DocumentKind, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_verifier::{Document, ReadError};

use crate::input;
use crate::verifier_cmd::TrustArgs;

/// Arguments of `civitas verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The credential, presentation, vc+jwt, QR text, or PNG/JPEG photo of the QR code (file, or
    /// `-` for standard input).
    pub input: PathBuf,
    /// Trust and status sources (--bundle, --trust-list, --trust-anchor, --online, …).
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The challenge the holder was given (presentations).
    #[arg(long)]
    pub challenge: Option<String>,
    /// The verifier's domain (presentations).
    #[arg(long)]
    pub domain: Option<String>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<String>,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Exit code for a verdict: 0 valid, 1 invalid, 3 indeterminate (2 is bad input).
pub fn exit_code(verdict: Verdict) -> i32 {
    match verdict {
        Verdict::Valid => 0,
        Verdict::Invalid => 1,
        Verdict::Indeterminate => 3,
    }
}

/// Runs `civitas verify`.
pub async fn run(args: VerifyArgs) -> anyhow::Result<i32> {
    // A QR photo may be larger than a document; the verifier applies each format's own limit.
    let bytes = input::read_up_to(&args.input, civitas_qr::MAX_IMAGE_BYTES)?;
    // The input is recognised and parsed once, here; the verification takes the parsed document
    // and the summary is made from its report. A photo that cannot be read says nothing about
    // the document: exit 2, never "INVALID".
    let document = match Document::read(&bytes) {
        Ok(document) => Ok(document),
        Err(ReadError::Photo(e)) => {
            unreadable_photo(&e, args.json)?;
            return Ok(2);
        }
        Err(unreadable) => Err(unreadable),
    };
    let now = args
        .now
        .as_deref()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&chrono::Utc))
                .map_err(|_| anyhow::anyhow!("--now `{t}` is not an RFC 3339 date-time"))
        })
        .transpose()?;
    let verifier = args.trust.build(now).await?;
    let options = VerifyOptions {
        now,
        challenge: args.challenge,
        domain: args.domain,
    };
    let report = match &document {
        Ok(document) => verifier.verify_document(document, &options).await,
        Err(unreadable) => unreadable.report(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", verifier.summarize(&report));
        if !args.trust.has_trust_list() {
            println!(
                "  note: no --bundle or --trust-list: the issuer was not checked against a trust list"
            );
        }
    }
    Ok(if report.kind == DocumentKind::Unknown {
        2
    } else {
        exit_code(report.verdict)
    })
}

/// Says that a photo could not be read, as a clerk or a program (`--json`) reads it.
fn unreadable_photo(error: &civitas_qr::QrError, json: bool) -> anyhow::Result<()> {
    if json {
        let body = serde_json::json!({
            "verdict": "unreadable",
            "title": "cannot read this image",
            "detail": error.to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        println!("CANNOT READ THIS IMAGE — {error}");
        println!(
            "  This says nothing about the document: photograph its QR code again, or verify its file."
        );
    }
    Ok(())
}
