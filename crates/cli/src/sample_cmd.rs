//! `civitas sample`: sample records and unsigned credentials of any known document type, for
//! trying civitas out. Every value is made up.

use anyhow::Context;
use civitas_core::credential::CredentialBuilder;
use civitas_core::model::{DocumentType, sample};

/// Arguments of `civitas sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The document type: its name (`BirthCertificate`), short name (`birth-certificate`,
    /// `birth`, `driving-licence`); `civitas profile list` names them.
    pub kind: String,
    /// Print an unsigned credential issued by this DID instead of the bare record.
    #[arg(long)]
    pub issuer: Option<String>,
    /// The holder's DID (the child; the first spouse; the licence holder …).
    #[arg(long)]
    pub holder: Option<String>,
}

/// Runs `civitas sample`.
pub fn run(args: SampleArgs) -> anyhow::Result<i32> {
    let kind = DocumentType::named(&args.kind)?;
    let known = kind
        .profile()
        .with_context(|| format!("no profile of {kind} is loaded"))?;
    let mut record = sample(&kind).with_context(|| format!("{kind} has no sample"))?;
    known
        .profile
        .set_holder(&mut record, args.holder.as_deref());
    let out = match args.issuer.as_deref() {
        Some(issuer) => CredentialBuilder::new(issuer)
            .document(&kind, record)
            .build()?
            .into_json(),
        None => record,
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}
