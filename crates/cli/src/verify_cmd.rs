//! `civitas verify`: verify a credential or presentation and say so in words a clerk can read.

use std::path::PathBuf;

use civitas_core::contexts::ContextLoader;
use civitas_core::did::ControllerDocument;
use civitas_core::report::{DocumentKind, Verdict};
use civitas_core::resolver::OfflineResolver;
use civitas_core::verify::{Checker, VerifyOptions};

use crate::input;

/// Arguments of `civitas verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The credential, presentation or vc+jwt (file, or `-` for standard input).
    pub input: PathBuf,
    /// Pinned DID/controller documents of issuers and holders (did:key needs none).
    #[arg(long = "did-document")]
    pub did_documents: Vec<PathBuf>,
    /// Extra JSON-LD contexts, as URL=FILE.
    #[arg(long = "context")]
    pub contexts: Vec<String>,
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

/// Builds the offline checker from the arguments.
pub fn checker(did_documents: &[PathBuf], contexts: &[String]) -> anyhow::Result<Checker> {
    let mut resolver = OfflineResolver::new();
    for path in did_documents {
        let doc: ControllerDocument = serde_json::from_value(input::read_json(path)?)
            .map_err(|e| anyhow::anyhow!("{}: not a DID document: {e}", path.display()))?;
        resolver.pin(doc);
    }
    let loader = input::with_contexts(ContextLoader::bundled(), contexts)?;
    Ok(Checker::new(loader, resolver))
}

/// Runs `civitas verify`.
pub async fn run(args: VerifyArgs) -> anyhow::Result<i32> {
    let bytes = input::read_limited(&args.input)?;
    let options = VerifyOptions {
        now: args
            .now
            .as_deref()
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .map_err(|_| anyhow::anyhow!("--now `{t}` is not an RFC 3339 date-time"))
            })
            .transpose()?,
        challenge: args.challenge,
        domain: args.domain,
    };
    let report = checker(&args.did_documents, &args.contexts)?
        .verify(&bytes, &options)
        .await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(if report.kind == DocumentKind::Unknown {
        2
    } else {
        exit_code(report.verdict)
    })
}
