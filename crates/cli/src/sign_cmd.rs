//! `civitas sign`: secure an unsigned credential.

use std::path::PathBuf;

use civitas_core::data_integrity::ProofOptions;
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::LocalSigner;

use crate::{input, keys_cmd};

/// Arguments of `civitas sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The unsigned credential (JSON file, or `-` for standard input).
    pub credential: PathBuf,
    /// The issuer's private JWK.
    #[arg(long)]
    pub key: PathBuf,
    /// The verification method of the key (e.g. `did:web:registry.gov.mu#key-1`); default: the
    /// key's did:key.
    #[arg(long)]
    pub method: Option<String>,
    /// data-integrity (default) or vc+jwt.
    #[arg(long, default_value = "data-integrity")]
    pub format: Securing,
    /// Extra JSON-LD contexts, as URL=FILE.
    #[arg(long = "context")]
    pub contexts: Vec<String>,
    /// Where to write the secured credential (default: standard output).
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
}

/// Runs `civitas sign`.
pub async fn run(args: SignArgs) -> anyhow::Result<i32> {
    let credential = input::read_json(&args.credential)?;
    let pair = keys_cmd::load_key(&args.key)?;
    let signer = match args.method {
        Some(m) => LocalSigner::new(pair, m),
        None => LocalSigner::did_key(pair),
    };
    let loader = input::with_contexts(ContextLoader::bundled(), &args.contexts)?;
    let secured = secure_credential(
        &credential,
        &signer,
        args.format,
        &ProofOptions::default(),
        &loader,
    )
    .await?;
    input::write_output(&args.out, &secured, false)?;
    Ok(0)
}
