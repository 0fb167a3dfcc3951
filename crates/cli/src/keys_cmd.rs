//! `civitas keys`: generate and inspect key pairs.

use std::path::PathBuf;

use anyhow::Context;
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use serde_json::json;

use crate::input;

/// Key management.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Generate a key pair and write it as a private JWK (file mode 0600).
    Generate {
        /// ed25519 (default) or p256.
        #[arg(long, default_value = "ed25519")]
        algorithm: KeyAlgorithm,
        /// Where to write the private JWK.
        #[arg(long, short)]
        out: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show the public half of a private JWK: did:key, Multikey, JWK.
    Show {
        /// The private JWK file.
        key: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Reads a private JWK file.
pub fn load_key(path: &std::path::Path) -> anyhow::Result<KeyPair> {
    let text = input::read_text(path)?;
    KeyPair::from_jwk_json(&text)
        .with_context(|| format!("{} is not a private JWK", path.display()))
}

fn describe(pair: &KeyPair, json_out: bool) -> String {
    let public = pair.public_key();
    let info = json!({
        "algorithm": pair.algorithm().to_string(),
        "did": did::did_key(&public),
        "verificationMethod": did::did_key_method(&public),
        "publicKeyMultibase": public.to_multikey(),
        "publicKeyJwk": public.to_jwk(),
    });
    if json_out {
        info.to_string()
    } else {
        format!(
            "algorithm:           {}\ndid:key:             {}\nverification method: {}\npublicKeyMultibase:  {}",
            info["algorithm"].as_str().unwrap_or_default(),
            info["did"].as_str().unwrap_or_default(),
            info["verificationMethod"].as_str().unwrap_or_default(),
            info["publicKeyMultibase"].as_str().unwrap_or_default(),
        )
    }
}

/// Runs a `keys` subcommand.
pub fn run(cmd: KeysCommand) -> anyhow::Result<i32> {
    match cmd {
        KeysCommand::Generate {
            algorithm,
            out,
            json,
        } => {
            let pair = KeyPair::generate(algorithm);
            let jwk = serde_json::to_string_pretty(&pair.to_private_jwk())?;
            input::write_output(&out, &jwk, true)?;
            println!("{}", describe(&pair, json));
            if !json {
                println!("private key written to {} (keep it secret)", out.display());
            }
        }
        KeysCommand::Show { key, json } => println!("{}", describe(&load_key(&key)?, json)),
    }
    Ok(0)
}
