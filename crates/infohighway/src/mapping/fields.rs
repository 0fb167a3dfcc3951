//! What each target field of a document is, from its profile's ingestion targets
//! (civitas-profile, `Profile::ingestion_targets`): the leaf fields a mapping may write, the
//! kind of value each takes, and the most items of each list on the way.
//!
//! A target path is written with indices (`spouses[1].givenName`, `categories[0].issueDate`);
//! the profile names the same field with `[]` (`spouses[].givenName`). Objects and lists may
//! nest to any depth the profile allows (a list inside an object, an object inside a list
//! item, a list inside a list item).

use std::fmt::Write as _;

use civitas_core::model::DocumentType;
use civitas_core::profile::format::Kind as ProfileKind;
use civitas_core::profile::{FieldPath, IngestTarget};

use super::path::{Seg, parse_path};

/// The kind of value a document field takes, as a mapping writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Text (also enumeration codes, country codes, identifiers, DIDs, date-times).
    Text,
    /// A name or title: text, or a language map (`languages`).
    Name,
    /// A date (`date` formats).
    Date,
    /// A time (`time` formats).
    Time,
    /// An integer: the text must be one.
    Integer,
    /// An amount: `1234.50 MUR` (decimal value, space, ISO 4217 currency).
    Amount,
}

impl Kind {
    fn of(profile_kind: &str) -> Self {
        match profile_kind {
            "language-map" => Self::Name,
            "date" => Self::Date,
            "time" => Self::Time,
            "integer" => Self::Integer,
            "amount" => Self::Amount,
            _ => Self::Text,
        }
    }
}

/// The ingestion targets of `doc`'s profile (none when the process has no profile of it).
fn targets(doc: &DocumentType) -> Vec<IngestTarget> {
    doc.profile()
        .map(|k| k.profile.ingestion_targets())
        .unwrap_or_default()
}

/// A profile path (`spouses[].givenName`) as a mapping writes it (`spouses[i].givenName`).
fn written(profile_path: &str) -> String {
    profile_path.replace("[]", "[i]")
}

/// The `[each.<list>]` table name of a list: quoted when dotted (`[each."owner.addresses"]`).
pub(super) fn each_key(list: &str) -> String {
    if list.contains('.') {
        format!("\"{list}\"")
    } else {
        list.to_owned()
    }
}

/// What a path in the profile's form (`registration`, `spouses[]`, `spouses[].sex`) is.
enum Shape {
    /// A field a mapping writes, of this kind.
    Leaf(Kind),
    /// A list of objects; its most items (`None`: unbounded).
    List(Option<u64>),
    /// An object.
    Object,
    /// Not a field of the document (or not one a mapping may write).
    Unknown,
}

fn shape(doc: &DocumentType, targets: &[IngestTarget], generic: &str) -> Shape {
    let list_prefix = format!("{generic}[].");
    let object_prefix = format!("{generic}.");
    for t in targets {
        let text = t.path.to_string();
        if text == generic {
            return Shape::Leaf(Kind::of(t.kind));
        }
        if text.starts_with(&list_prefix) {
            return Shape::List(list_bound(doc, generic));
        }
        if text.starts_with(&object_prefix) {
            return Shape::Object;
        }
    }
    Shape::Unknown
}

/// The most items of the list at `generic` (the profile's form: `events[].steps`), read from
/// the profile's field itself (`IngestTarget::list_max` only knows the outermost list of a
/// list inside a list item).
fn list_bound(doc: &DocumentType, generic: &str) -> Option<u64> {
    let known = doc.profile()?;
    let path = FieldPath::parse(generic)?;
    match known.profile.resolve(&path).ok()?.kind {
        ProfileKind::List { max, .. } => max,
        _ => None,
    }
}

/// The most items of the list `name` of `doc` (`registration`-style dotted, no index: a
/// top-level list or a list inside objects, not one inside another list's items); `None`:
/// `name` is not such a list. An unbounded list takes at most 100 items from one record.
pub(super) fn list_max(doc: &DocumentType, name: &str) -> Option<usize> {
    if name.contains(['[', ']']) {
        return None;
    }
    match shape(doc, &targets(doc), name) {
        Shape::List(max) => Some(max.map_or(100, |m| usize::try_from(m).unwrap_or(100))),
        _ => None,
    }
}

/// The lists of `doc` that `[each.<list>]` may fill (top-level lists and lists inside objects),
/// for messages.
pub(super) fn lists(doc: &DocumentType) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in targets(doc) {
        let text = t.path.to_string();
        if let Some((list, _)) = text.split_once("[].")
            && !out.iter().any(|l| l == list)
        {
            out.push(list.to_owned());
        }
    }
    out
}

/// The fields of `doc` that take values of `kind`, as a mapping writes them, for messages.
pub(super) fn fields_of_kind(doc: &DocumentType, kind: Kind) -> Vec<String> {
    targets(doc)
        .iter()
        .filter(|t| Kind::of(t.kind) == kind)
        .map(|t| written(&t.path.to_string()))
        .collect()
}

fn known_fields(targets: &[IngestTarget]) -> String {
    targets
        .iter()
        .map(|t| written(&t.path.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a target path (`birthDate`, `spouses[1].givenName`, `earnings[0].amount`) against
/// the document's fields: every segment a field of the object before it, an index after each
/// list and only there, within the list's most items; the path ends at a field a mapping
/// writes. Returns its parsed form and kind.
pub(super) fn check_target(doc: &DocumentType, path: &str) -> Result<(Vec<Seg>, Kind), String> {
    let targets = targets(doc);
    let unknown = || {
        format!(
            "`{path}` is not a field of a {doc}; the fields are: {}",
            known_fields(&targets)
        )
    };
    let segs = parse_path(path).ok_or_else(|| format!("`{path}` is not a valid field path"))?;
    // The path so far in the profile's form (`spouses[]`) and as written (`spouses[1]`).
    let mut generic = String::new();
    let mut so_far = String::new();
    let mut kind = None;
    let mut i = 0;
    while i < segs.len() {
        let Seg::Key(key) = &segs[i] else {
            // An index not after a list: after the first segment it is caught below.
            return Err(unknown());
        };
        if kind.is_some() {
            return Err(format!(
                "`{so_far}` is a single value, it has no fields: `{path}`"
            ));
        }
        if !generic.is_empty() {
            generic.push('.');
            so_far.push('.');
        }
        generic.push_str(key);
        so_far.push_str(key);
        let index = match segs.get(i + 1) {
            Some(Seg::Index(n)) => Some(*n),
            _ => None,
        };
        match (shape(doc, &targets, &generic), index) {
            (Shape::Unknown, _) => return Err(unknown()),
            (Shape::List(max), Some(n)) => {
                if let Some(max) = max
                    && u64::try_from(n).unwrap_or(u64::MAX) >= max
                {
                    return Err(format!(
                        "`{path}`: `{so_far}` has at most {max} entries (indices 0 to {})",
                        max.saturating_sub(1)
                    ));
                }
                generic.push_str("[]");
                let _ = write!(so_far, "[{n}]");
                i += 2;
                if i == segs.len() {
                    return Err(format!(
                        "`{path}` is an item of the list `{generic}`: map its fields (`{path}.<field>`)"
                    ));
                }
                continue;
            }
            (Shape::List(_), None) => {
                return Err(format!(
                    "`{path}`: `{so_far}` is a list: write `{so_far}[0].<field>`{}",
                    if generic.contains("[]") {
                        String::new()
                    } else {
                        format!(", or map a source list with [each.{}]", each_key(&generic))
                    }
                ));
            }
            (_, Some(_)) => return Err(format!("`{path}`: `{so_far}` is not a list")),
            (Shape::Object, None) => {
                if i + 1 == segs.len() {
                    return Err(format!(
                        "`{path}` is an object: map its fields (`{path}.<field>`)"
                    ));
                }
            }
            (Shape::Leaf(k), None) => kind = Some(k),
        }
        i += 1;
    }
    kind.map(|k| (segs, k)).ok_or_else(unknown)
}
