#![doc = include_str!("../README.md")]
//!
//! civitas-profile: a document type as data. One TOML file (a *profile*) describes a type —
//! its vocabulary, fields, rules, labels, QR keys and printed layout — and everything else is
//! derived from it by pure functions:
//!
//! * [`Profile::load`], [`Profile::from_toml`]: read and check a profile ([`load`], [`error`]).
//! * [`Profile::context`], [`merged_context`]: its `@protected` JSON-LD context ([`context`]).
//! * [`Profile::json_schema`]: its JSON Schema, draft 2020-12 ([`schema`]).
//! * [`Profile::validate`]: every error of a `credentialSubject`, with its JSON pointer
//!   ([`validate`]).
//! * [`Profile::cv1_table`]: the keys of the compact QR form ([`cv1`]).
//! * [`Profile::labels`], [`Profile::withholdable`], [`Profile::ingestion_targets`]: labels in
//!   English and French, the fields a holder may withhold, the fields ingestion may write
//!   ([`labels`]).
//! * [`Profile::sample`]: a sample subject ([`sample`]).
//! * [`bundled()`]: the profiles civitas ships ([`mod@bundled`]).
//! * [`known`], [`register`], [`DocumentType`]: the profiles this process knows, bundled and
//!   loaded at run time, one per type name ([`registry`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bundled;
pub mod context;
pub mod cv1;
pub mod document_type;
pub mod error;
pub mod format;
pub mod holder;
pub mod labels;
pub mod load;
pub mod path;
pub mod protected;
mod raw;
pub mod registry;
pub mod sample;
pub mod schema;
pub mod summary;
pub mod validate;

pub use bundled::{BUNDLED, bundled, bundled_profile};
pub use context::merged_context;
pub use cv1::{Cv1Key, Cv1Kind, Cv1Table};
pub use document_type::{DocumentType, UnknownDocumentType};
pub use error::{MAX_PROFILE_BYTES, ProfileError, Reason};
pub use format::{
    Certificate, Cv1Keys, Document, EnumValue, Enumeration, Field, Kind, Label, ObjectType,
    Pattern, Profile, Role, Rule, Section, Validity, Vocabulary,
};
pub use labels::{IngestTarget, Labels};
pub use path::{FieldPath, Segment};
pub use registry::{Known, KnownContext, Registry, RegistryError, known, register};
pub use validate::{ValidationError, is_language_tag, latest_date_on_earth};
