//! Compiled rules: what a mapping file's `[fields]`, `[each.*]` and `[record]` become.

use serde_json::Value;

use super::fields::Kind;
use super::path::{Seg, SourcePath};
use super::raw::Case;

#[derive(Debug, Clone)]
pub(super) enum Piece {
    Lit(String),
    Var(SourcePath, bool),
}

#[derive(Debug, Clone)]
pub(super) enum Source {
    From(Vec<SourcePath>),
    Value(Value),
    Template(Vec<Piece>),
    Languages(Vec<(String, SourcePath)>, Vec<SourcePath>),
}

#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) source: Source,
    pub(super) default: Option<Value>,
    pub(super) code: Option<String>,
    pub(super) dates: Vec<String>,
    pub(super) times: Vec<String>,
    pub(super) case: Option<Case>,
    pub(super) when: Option<SourcePath>,
    pub(super) required: bool,
    pub(super) collapse: bool,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) struct FieldRule {
    pub(super) target: String,
    pub(super) segs: Vec<Seg>,
    pub(super) rule: Rule,
}

/// `[each.<list>]`: every item of a source list to an item of a document list.
#[derive(Debug, Clone)]
pub(super) struct EachRule {
    /// The document list as written (`earnings`, `holder.addresses`).
    pub(super) target: String,
    /// Its segments (keys only).
    pub(super) segs: Vec<Seg>,
    pub(super) from: SourcePath,
    pub(super) max: usize,
    pub(super) fields: Vec<EachField>,
}

/// One field of a list item in `[each.<list>]`.
#[derive(Debug, Clone)]
pub(super) struct EachField {
    /// As written, relative to the item (`amount`, `place.addressLocality`).
    pub(super) name: String,
    /// Its segments, relative to the item.
    pub(super) segs: Vec<Seg>,
    pub(super) rule: Rule,
}
