//! `civitas sample`: sample records and unsigned credentials, for trying civitas out.

use civitas_core::credential::CredentialBuilder;
use civitas_core::model::samples;

/// Which sample.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Sample {
    /// A birth certificate.
    Birth,
    /// A marriage certificate.
    Marriage,
}

/// Arguments of `civitas sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// birth or marriage.
    pub kind: Sample,
    /// Print an unsigned credential issued by this DID instead of the bare record.
    #[arg(long)]
    pub issuer: Option<String>,
    /// The holder's DID (the child; the first spouse).
    #[arg(long)]
    pub holder: Option<String>,
}

/// Runs `civitas sample`.
pub fn run(args: SampleArgs) -> anyhow::Result<i32> {
    let (record, credential) = match args.kind {
        Sample::Birth => {
            let mut b = samples::birth_certificate();
            b.id = args.holder.clone();
            let c = args
                .issuer
                .as_deref()
                .map(|i| CredentialBuilder::new(i).document(&b).build());
            (serde_json::to_value(&b)?, c)
        }
        Sample::Marriage => {
            let mut m = samples::marriage_certificate();
            if let Some(first) = m.spouses.first_mut() {
                first.id = args.holder.clone();
            }
            let c = args
                .issuer
                .as_deref()
                .map(|i| CredentialBuilder::new(i).document(&m).build());
            (serde_json::to_value(&m)?, c)
        }
    };
    let out = match credential {
        Some(c) => c?.into_json(),
        None => record,
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}
