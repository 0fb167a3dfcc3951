//! The declarative mapping: a TOML file that says how a source record (an InfoHighway JSON
//! record, a JSON Lines object, a CSV row) becomes a civitas document, so that another registry
//! plugs in by writing a mapping, not Rust.
//!
//! ```toml
//! format = 1
//! document = "BirthCertificate"          # a known document type (its profile's `type`)
//!
//! [record]
//! id = { from = "recordId" }             # the source record id (idempotency key)
//! version = { from = "version" }         # optional: a record version that only grows
//!
//! [defaults]
//! date_format = ["%d/%m/%Y", "%Y-%m-%d"] # for every date field without its own `date`
//! empty = ["", "NULL", "-"]              # source values that mean "no value"
//!
//! [codes.sex]                            # code tables: source code -> civitas value
//! "1" = "M"
//! "2" = "F"
//!
//! [fields]                               # target path (in the document) = rule
//! "givenName" = { languages = { en = "child_given_en", fr = "child_given_fr" } }
//! "sex" = { from = "child_sex", code = "sex" }
//! "birthDate" = { from = "date_of_birth" }
//! "birthPlace.addressCountry" = { value = "MU" }
//! "registration.registrationNumber" = { template = "{district}/B/{year}/{entry}" }
//! "mother.nationality" = { from = "mother_nationality", default = "MU", when = "mother_surname" }
//!
//! [each.witnesses]                       # a source array to a target array
//! from = "witnesses"
//! fields = { "givenName" = { from = "firstName" }, "familyName" = { from = "surname" } }
//! ```
//!
//! The fields a mapping may write are the leaf fields of the document type's profile
//! (civitas-profile, `Profile::ingestion_targets`: every field that is not an object or a list,
//! unless the profile says `ingest = false`), written as paths: `birthPlace.addressLocality`
//! (an object's field), `spouses[1].givenName` (a list item's field, the index within the
//! list's most items), to any depth the profile nests (`events[0].steps[2].count`). A list is
//! filled either item by item at fixed indices (a flat CSV row: `categories[0].categoryCode`,
//! `categories[1].categoryCode`; items left empty are dropped and the list closes up) or from a
//! source array with `[each.<list>]` (a top-level list or one inside objects, quoted when
//! dotted: `[each."owner.addresses"]`), not both. What a rule's value becomes depends on the
//! field's kind in the profile:
//!
//! | field kind | value written |
//! | --- | --- |
//! | `date`, `time` | read with the `date`/`time` formats (or `[defaults]`), written `xsd:date`/`xsd:time` |
//! | `language-map` (names, titles) | a text, or a language map with `languages` |
//! | `integer` | the text read as an integer (`" 42 "` → `42`) |
//! | `amount` | `1234.50 MUR` (decimal, a space, ISO 4217 currency) → `{"value": "1234.50", "currency": "MUR"}`; a template adds a fixed currency: `{ template = "{net_pay} MUR" }` |
//! | every other kind (text, enumeration, country, identifier, DID, date-time) | the text |
//!
//! A `value` or `default` is checked against the kind when the mapping is read (an integer
//! field's `value = "1"` is the integer 1).
//!
//! A rule takes its value from exactly one of `from` (a source path, or a list of paths: the
//! first with a value), `value` (a constant), `template` (`{path}` placeholders; `{path?}` may be
//! empty) or `languages` (a language map from one source path per BCP 47 tag, with `from` as the
//! untagged fallback). Then, in order: `when` (apply only if that source path has a value),
//! `code` (look the value up in a code table; a table may have a `"*"` catch-all), `case`
//! (`upper`, `lower`), `date`/`time` (formats to read; the output is `xsd:date`/`xsd:time`),
//! `default` (when there is no value; a constant of the field's kind) and `required`.
//!
//! Source paths are dotted (`child.name.en`, `witnesses[0].surname`); a key that itself contains
//! dots or spaces (a CSV header such as `Date of birth`) is matched literally first. Objects that
//! end up empty (a father with no columns filled in) are left out, so optional parts of a
//! document stay optional. Every mistake in a mapping file is reported with its line and key.
//!
//! The document built is then checked against its profile (kinds, required fields, patterns,
//! rules such as "the earnings add up to the gross pay"); a record that fails is rejected with
//! the field as a target path (`netPay.value`, `categories[1].expiryDate`) and the source
//! field(s) that fed it.

mod apply;
mod compile;
mod eval;
mod fields;
mod issues;
mod path;
mod raw;
mod rule;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use civitas_core::model::DocumentType;
use civitas_issuer::Document;

use crate::report::{Issue, Stage};

pub use path::SourcePath;
use rule::{EachRule, FieldRule, Rule};

/// The mapping format this crate reads.
pub const MAPPING_FORMAT: u32 = 1;

/// CSV options of a mapping (`[csv]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter (default `,`).
    pub delimiter: u8,
    /// Column names, when the file has no header row (otherwise the first row names them).
    pub headers: Option<Vec<String>>,
}

/// A compiled mapping: a source record in, a validated document (or the reasons it is not
/// one) out.
#[derive(Debug, Clone)]
pub struct Mapping {
    name: String,
    document: DocumentType,
    description: Option<String>,
    id: Rule,
    version: Option<Rule>,
    fields: Vec<FieldRule>,
    each: Vec<EachRule>,
    codes: HashMap<String, HashMap<String, String>>,
    empty: Vec<String>,
    trim: bool,
    csv: CsvOptions,
}

/// A source record mapped to a document, not yet issued.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The source record id (the issuer's idempotency key).
    pub source_id: String,
    /// The record's version, when the mapping reads one.
    pub version: Option<String>,
    /// The validated document.
    pub document: Document,
}

/// Why a record could not be mapped: its id (when it could be read) and every issue found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapFailure {
    /// The source record id, when the mapping could read it.
    pub source_id: Option<String>,
    /// The issues (at least one).
    pub issues: Vec<Issue>,
    /// Where it failed: the mapping or the document's rules.
    pub stage: Stage,
}

impl Mapping {
    /// The document type this mapping produces.
    pub fn document_type(&self) -> DocumentType {
        self.document.clone()
    }

    /// The mapping's name (its file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mapping's description, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether the mapping reads a record version (`[record] version`).
    pub fn has_version(&self) -> bool {
        self.version.is_some()
    }

    /// The CSV options.
    pub fn csv(&self) -> &CsvOptions {
        &self.csv
    }
}
