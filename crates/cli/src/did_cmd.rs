//! `civitas did`: DID documents.

use std::path::PathBuf;

use civitas_keys::did::{self, ControllerDocument, ProofPurpose};

use crate::{input, keys_cmd};

/// DID documents.
#[derive(Debug, clap::Subcommand)]
pub enum DidCommand {
    /// Build a did:web DID document from one or more keys (key-1, key-2, ... in order), each
    /// allowed for assertionMethod and authentication.
    Web {
        /// Host, with optional port (`registry.gov.mu`, `localhost:8443`).
        host: String,
        /// Path segments (`--path issuers --path birth` → did:web:host:issuers:birth).
        #[arg(long)]
        path: Vec<String>,
        /// Private JWK files of the keys (only their public halves go in the document).
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
        /// Where to write the document (default: standard output).
        #[arg(long, short, default_value = "-")]
        out: PathBuf,
    },
}

/// Runs a `did` subcommand.
pub fn run(cmd: DidCommand) -> anyhow::Result<i32> {
    match cmd {
        DidCommand::Web {
            host,
            path,
            keys,
            out,
        } => {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            let id = did::did_web(&host, &segments)?;
            let mut doc = ControllerDocument::new(&id);
            for (i, key) in keys.iter().enumerate() {
                let pair = keys_cmd::load_key(key)?;
                doc.add_key(
                    &format!("key-{}", i + 1),
                    &pair.public_key(),
                    &[ProofPurpose::AssertionMethod, ProofPurpose::Authentication],
                );
            }
            input::write_output(&out, &serde_json::to_string_pretty(&doc)?, false)?;
            if out.as_os_str() != "-" {
                eprintln!(
                    "{id}: DID document written to {}; serve it at {}",
                    out.display(),
                    did::did_web_url(&id)?
                );
            }
        }
    }
    Ok(0)
}
