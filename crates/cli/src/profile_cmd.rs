//! `civitas profile`: the document types an installation knows, as profiles — list them, check
//! a profile file, print what derives from one.

use std::path::{Path, PathBuf};

use civitas_core::profile::{Profile, registry};
use clap::Subcommand;
use serde_json::json;

/// `civitas profile …`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Name the profiles this installation knows: the bundled ones, and those of a profile
    /// directory (an issuer's `<data-dir>/profiles`, or --dir).
    List {
        /// A directory of extra profiles (`*.toml`) to load first.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Check a profile file: every error with the file, line, column and reason (exit 2).
    Check {
        /// The profile (TOML).
        file: PathBuf,
    },
    /// Print what derives from a profile file (or a known type's name).
    Show {
        /// The profile (TOML), or a known type (`birth`, `DrivingLicence`).
        profile: String,
        /// Its JSON Schema.
        #[arg(long, group = "what")]
        schema: bool,
        /// Its JSON-LD context.
        #[arg(long, group = "what")]
        context: bool,
        /// A sample credentialSubject.
        #[arg(long, group = "what")]
        sample: bool,
    },
}

/// Runs `civitas profile …`.
pub fn run(cmd: ProfileCommand) -> anyhow::Result<i32> {
    match cmd {
        ProfileCommand::List { dir, json } => {
            if let Some(dir) = dir
                && let Err(e) = registry::register_dir(&dir)
            {
                eprintln!("error: {e}");
                return Ok(2);
            }
            let known = civitas_core::profile::known();
            if json {
                let rows: Vec<_> = known
                    .all()
                    .map(|k| {
                        let d = &k.profile.document;
                        json!({"type": d.type_name, "name": k.name(), "version": d.version,
                               "title": {"en": d.label.en(), "fr": d.label.fr()},
                               "digest": k.digest, "context": d.context_url,
                               "schema": d.schema_url, "bundled": k.bundled,
                               "origin": k.profile.origin})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for k in known.all() {
                    let d = &k.profile.document;
                    println!(
                        "{:<24} {:<8} {:<8} {} / {}  ({})",
                        d.type_name,
                        d.version,
                        if k.bundled { "bundled" } else { "loaded" },
                        d.label.en(),
                        d.label.fr(),
                        k.profile.origin
                    );
                }
            }
            Ok(0)
        }
        ProfileCommand::Check { file } => match Profile::load(&file) {
            Ok(p) => {
                let d = &p.document;
                println!(
                    "{}: a valid profile of {} {} ({} fields)",
                    file.display(),
                    d.type_name,
                    d.version,
                    p.field_paths().len()
                );
                Ok(0)
            }
            Err(e) => {
                eprintln!("error: {e}");
                Ok(2)
            }
        },
        ProfileCommand::Show {
            profile,
            schema,
            context,
            sample,
        } => {
            let loaded = if Path::new(&profile).is_file() {
                match Profile::load(&profile) {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Ok(2);
                    }
                }
            } else {
                match civitas_core::model::DocumentType::named(&profile)
                    .ok()
                    .and_then(|k| k.profile())
                {
                    Some(k) => k.profile.clone(),
                    None => {
                        eprintln!(
                            "error: `{profile}` is neither a profile file nor a known document type"
                        );
                        return Ok(2);
                    }
                }
            };
            let out = if schema {
                loaded.json_schema()
            } else if context {
                loaded.context()
            } else if sample {
                loaded.sample()
            } else {
                let d = &loaded.document;
                json!({"type": d.type_name, "version": d.version,
                       "title": {"en": d.label.en(), "fr": d.label.fr()},
                       "context": d.context_url, "schema": d.schema_url,
                       "validFor": d.valid_for.map(|v| v.to_string()),
                       "fields": loaded.field_paths().iter().map(|(p, f)| json!({
                           "path": p.to_string(), "label": {"en": f.label.en(), "fr": f.label.fr()},
                           "required": f.required, "withhold": f.withhold})).collect::<Vec<_>>(),
                       "withholdable": loaded.withholdable().iter().map(ToString::to_string).collect::<Vec<_>>()})
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(0)
        }
    }
}
