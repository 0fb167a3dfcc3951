//! What can be wrong with a profile file: every error names the file, the line and column, and
//! the reason.

/// Largest profile file accepted, in bytes (1 MiB). A larger file is refused before it is read.
pub const MAX_PROFILE_BYTES: u64 = 1024 * 1024;

/// A profile that cannot be loaded: where (file, 1-based line and column) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}:{column}: {reason}")]
pub struct ProfileError {
    /// The file (or the name the caller gave the text).
    pub origin: String,
    /// 1-based line of the mistake (0 when it concerns the file as a whole).
    pub line: usize,
    /// 1-based column, in characters (0 when it concerns the file as a whole).
    pub column: usize,
    /// What is wrong (boxed: an error stays small on the success path).
    pub reason: Box<Reason>,
}

/// Why a profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(String),
    /// The file is larger than [`MAX_PROFILE_BYTES`].
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not TOML, or not the shape of a profile (a missing or unknown key, a wrong type).
    #[error("{0}")]
    Toml(String),
    /// A field `kind` that is not one of the kinds of the format.
    #[error("unknown kind `{kind}`; the kinds are: {known}")]
    UnknownKind {
        /// The kind as written.
        kind: String,
        /// The kinds there are.
        known: String,
    },
    /// Two fields of one object type with the same key.
    #[error("field key `{key}` is used twice in {owner} (first on line {first_line})")]
    DuplicateField {
        /// The key.
        key: String,
        /// The object type (`subject`, `type person`).
        owner: String,
        /// The line of its first use.
        first_line: usize,
    },
    /// A field, an enumeration value, a section or the document without its English or French
    /// label.
    #[error("{what} has no {language} label (`label.{language}`)")]
    MissingLabel {
        /// What lacks it (`field subject.givenName`, `value F of enum sex`).
        what: String,
        /// `en` or `fr`.
        language: String,
    },
    /// One CV1 key given to two members.
    #[error("CV1 key {key} is given to `{first}` and to `{second}`")]
    Cv1KeyReused {
        /// The key.
        key: u64,
        /// The member that has it first (in key order of the file's table).
        first: String,
        /// The other member.
        second: String,
    },
    /// A rule names a field path that does not exist.
    #[error("rule `{rule}`: `{path}` is not a field ({detail})")]
    RuleUnknownField {
        /// The rule.
        rule: String,
        /// The path as written.
        path: String,
        /// Which segment is missing.
        detail: String,
    },
    /// A rule names a field of a kind it does not apply to.
    #[error("rule `{rule}`: `{path}` is {found}, the rule needs {expected}")]
    RuleWrongKind {
        /// The rule.
        rule: String,
        /// The path.
        path: String,
        /// The field's kind.
        found: String,
        /// What the rule applies to.
        expected: String,
    },
    /// A vocabulary term that would redefine a protected term of the VC 2.0 context.
    #[error(
        "vocabulary term `{term}` redefines a protected term of the VC Data Model 2.0 context{detail}"
    )]
    ProtectedTerm {
        /// The term.
        term: String,
        /// The VC 2.0 definition, when it differs.
        detail: String,
    },
    /// Object types that contain themselves.
    #[error("object types contain themselves: {cycle}")]
    Cycle {
        /// The cycle, `person -> parent -> person`.
        cycle: String,
    },
    /// Any other inconsistency (a reference to an unknown type or enumeration, a pattern that
    /// does not compile, a missing vocabulary term, ...).
    #[error("{0}")]
    Invalid(String),
}

impl ProfileError {
    /// An error at byte `offset` of `text` (or about the whole file when `offset` is `None`).
    pub(crate) fn at(origin: &str, text: &str, offset: Option<usize>, reason: Reason) -> Self {
        let (line, column) = offset.map_or((0, 0), |o| line_column(text, o));
        Self {
            origin: origin.to_owned(),
            line,
            column,
            reason: Box::new(reason),
        }
    }

    /// A file-level error (line 0).
    pub(crate) fn file(origin: &str, reason: Reason) -> Self {
        Self {
            origin: origin.to_owned(),
            line: 0,
            column: 0,
            reason: Box::new(reason),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 5), (2, 3));
        assert_eq!(line_column(text, 6), (2, 3), "inside a character");
        assert_eq!(line_column(text, 1000), (3, 2));
        let e = ProfileError::at("p.toml", text, Some(3), Reason::Invalid("no".into()));
        assert_eq!(e.to_string(), "p.toml:2:1: no");
    }
}
