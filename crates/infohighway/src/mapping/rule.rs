//! Compiled rules: what a mapping file's `[fields]`, `[each.*]` and `[record]` become.

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
    Value(String),
    Template(Vec<Piece>),
    Languages(Vec<(String, SourcePath)>, Vec<SourcePath>),
}

#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) source: Source,
    pub(super) default: Option<String>,
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

#[derive(Debug, Clone)]
pub(super) struct EachRule {
    pub(super) target: String,
    pub(super) from: SourcePath,
    pub(super) max: usize,
    pub(super) fields: Vec<(String, Rule)>,
}
