#![doc = include_str!("../README.md")]
//!
//! civitas-infohighway: the thin adapter between a government's civil-registry data and the
//! civitas issuer. Records come from an InfoHighway data e-service (cursor-paged JSON over
//! HTTPS, API key or mutual TLS) or from export files (CSV, JSON Lines, streamed); a
//! declarative TOML [`mapping`] turns each into a civitas-core document; the issuer issues it
//! idempotently by its source record id.
//!
//! - the same record twice → one credential (the issuer replays it);
//! - a corrected record → the earlier credential revoked and superseded, a new one issued; an
//!   older version read again (a duplicated page) is skipped, thanks to the version [`ledger`]
//!   (kept in the issuer's registry, written in the commit of each issuance);
//! - a bad record never stops the run and is never dropped silently: it is listed in the JSON
//!   [`report`] with its id, position, field and reason; all good records are issued;
//! - a feed's [`checkpoint`] is written after each page whose records are on disk, so a
//!   restart (even after `kill -9`) resumes without losing or duplicating anything.
//!
//! Parts: [`mapping`] (the mapping language), [`source::file`] and [`source::infohighway`]
//! (readers), [`ingest`] (the pipeline: [`ingest_file`], [`ingest_feed`]), [`sink`] (the issuer
//! side), [`config`] (the InfoHighway configuration file). SPEC.md (section "Ingestion")
//! specifies the e-service contract assumed; `mappings/` holds the mappings shipped.
//!
//! # Ingest a CSV export
//!
//! ```
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use civitas_keys::sealed::KdfParams;
//! use civitas_issuer::{DidMethod, Issuer, IssuerConfig, PassphraseSource};
//! use civitas_infohighway::{FileFormat, IngestOptions, Mapping, NoProgress, ingest_file, mappings};
//!
//! let dir = tempfile::tempdir()?;
//! let config = IssuerConfig::new(dir.path().join("issuer"), "https://registry.gov.example")
//!     .did_method(DidMethod::Key)
//!     .passphrase(PassphraseSource::Value("correct horse".to_owned().into()))
//!     .kdf(KdfParams::testing());
//! let (issuer, _) = Issuer::open(config).await?;
//!
//! // The civil status office's export: one row per registered birth.
//! let csv = dir.path().join("births.csv");
//! std::fs::write(&csv, format!("{}\n{}\n{}\n",
//!     mappings::CSV_BIRTH_HEADER,
//!     "PW,2024,001234,1,Marie-Claire,,Lebon,F,28/02/2024,14:35,Victoria Hospital,Candos,PW,Anne,Lebon,L0101198512345,MU,John,Jean,Lebon,L0202198354321,MU,Civil Status Office Rose Hill,01/03/2024,A. Ramdin",
//!     "PW,2024,001235,1,Paul,,Martin,Q,28/02/2024,,,Candos,PW,,,,,,,,,,Civil Status Office Rose Hill,01/03/2024,A. Ramdin"))?;
//! let mapping = Arc::new(Mapping::parse("csv-birth.toml", mappings::CSV_BIRTH)?);
//!
//! let options = IngestOptions::for_data_dir(&dir.path().join("issuer"))
//!     .report(dir.path().join("report.json"));
//! let summary = ingest_file(&issuer, &csv, FileFormat::Csv, mapping.clone(), &options, &NoProgress).await?;
//! assert_eq!((summary.counts.issued, summary.counts.rejected), (1, 1));
//! assert_eq!(summary.exit_code(), 1); // some records were rejected: see the report
//! let report = std::fs::read_to_string(dir.path().join("report.json"))?;
//! assert!(report.contains("\"field\": \"sex\"") || report.contains("\"field\":\"sex\""));
//!
//! // Running the same export again issues nothing new.
//! let again = ingest_file(&issuer, &csv, FileFormat::Csv, mapping, &options, &NoProgress).await?;
//! assert_eq!((again.counts.issued, again.counts.replayed), (0, 1));
//! assert_eq!(issuer.credential_count()?, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod checkpoint;
pub mod config;
pub mod error;
pub mod ingest;
pub mod ledger;
pub mod mapping;
pub mod mappings;
pub mod report;
pub mod sink;
pub mod source;

pub use checkpoint::{Checkpoint, CheckpointFile};
pub use config::{Auth, InfoHighwayConfig, ServiceConfig};
pub use error::{FileError, IngestError, IssuerFailure};
pub use ingest::{
    Ingest, IngestOptions, NoProgress, Position, Progress, Summary, Unit, ingest_file,
};
pub use mapping::{Mapped, Mapping};
pub use report::{Counts, Rejection, Stage};
pub use sink::Sink;
pub use source::file::{FileFormat, FileReader, FileSource, UnknownFileFormat};
pub use source::infohighway::{
    FeedOptions, FeedSource, InfoHighwayClient, Page, PageError, ingest_feed,
};
pub use source::{Emitter, Source};
