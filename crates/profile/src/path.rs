//! Field paths: `birthDate`, `registration.registrationDate`, `spouses[].birthDate` (`[]`: every
//! item of a list), and finding their values in a subject.

use std::fmt;

use serde_json::Value;

/// A path from the subject to a field. `[]` after a segment stands for every item of a list; a
/// list named without `[]` as the last segment is the list itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    /// The segments, outermost first.
    pub segments: Vec<Segment>,
}

/// One segment of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    /// The member name.
    pub key: String,
    /// Whether it is followed by `[]` (every item of the list).
    pub each: bool,
}

impl FieldPath {
    /// Parses `a.b[].c`; `None` when it is not a path (empty segment, other brackets).
    pub fn parse(text: &str) -> Option<Self> {
        let mut segments = Vec::new();
        for part in text.split('.') {
            let (key, each) = match part.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (part, false),
            };
            if key.is_empty() || key.contains(['[', ']', '/', ' ']) {
                return None;
            }
            segments.push(Segment {
                key: key.to_owned(),
                each,
            });
        }
        Some(Self { segments })
    }

    /// The path of a member of this one (`self.key`).
    pub(crate) fn child(&self, key: &str, each: bool) -> Self {
        let mut segments = self.segments.clone();
        segments.push(Segment {
            key: key.to_owned(),
            each,
        });
        Self { segments }
    }

    /// The last member name.
    pub fn last(&self) -> &str {
        self.segments.last().map_or("", |s| s.key.as_str())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&s.key)?;
            if s.each {
                f.write_str("[]")?;
            }
        }
        Ok(())
    }
}

use crate::format::{Field, Kind, Profile};

impl Profile {
    /// The field a path names, or why there is none: each segment must be a field of the
    /// object before it, and a list may only be passed through with `[]`.
    pub fn resolve(&self, path: &FieldPath) -> Result<&Field, String> {
        let mut current = &self.subject;
        let mut found = None;
        for (i, segment) in path.segments.iter().enumerate() {
            if found.is_some() {
                let Some(type_name) = found.and_then(|f: &Field| f.kind.type_name()) else {
                    return Err(format!("`{}` has no members", path.segments[i - 1].key));
                };
                current = self
                    .types
                    .get(type_name)
                    .ok_or_else(|| format!("no type `{type_name}`"))?;
            }
            let field = current.field(&segment.key).ok_or_else(|| {
                format!(
                    "{} has no field `{}`",
                    if i == 0 {
                        "the subject".to_owned()
                    } else {
                        format!("type `{}`", current.name)
                    },
                    segment.key
                )
            })?;
            let is_list = matches!(field.kind, Kind::List { .. });
            if segment.each && !is_list {
                return Err(format!("`{}` is not a list (no `[]`)", segment.key));
            }
            if is_list && !segment.each && i + 1 < path.segments.len() {
                return Err(format!(
                    "`{}` is a list: write `{}[]`",
                    segment.key, segment.key
                ));
            }
            found = Some(field);
        }
        found.ok_or_else(|| "empty path".to_owned())
    }
}

/// One value found at a path: its JSON pointer, the value, and the list items it is inside
/// (`(prefix, index)`, so values under the same list item can be paired).
#[derive(Debug, Clone)]
pub(crate) struct Instance<'a> {
    pub(crate) pointer: String,
    pub(crate) value: &'a Value,
    pub(crate) items: Vec<(String, usize)>,
}

impl Instance<'_> {
    /// Whether two values sit under the same item of every list both are inside.
    #[cfg(test)]
    pub(crate) fn compatible(&self, other: &Instance<'_>) -> bool {
        self.items
            .iter()
            .all(|(prefix, i)| other.items.iter().all(|(p, j)| p != prefix || i == j))
    }

    /// The indices of this value in the lists named by `prefixes` (the lists two paths share),
    /// so that values under the same items can be paired by looking them up.
    pub(crate) fn key(&self, prefixes: &[String]) -> Vec<usize> {
        prefixes
            .iter()
            .filter_map(|p| self.items.iter().find(|(q, _)| q == p).map(|(_, i)| *i))
            .collect()
    }
}

/// The lists (`a.b` prefixes, as [`instances`] names them) both paths go through with `[]`:
/// their common leading segments that are lists.
pub(crate) fn shared_lists(a: &FieldPath, b: &FieldPath) -> Vec<String> {
    let mut out = Vec::new();
    let mut prefix = String::new();
    for (x, y) in a.segments.iter().zip(&b.segments) {
        if x != y {
            break;
        }
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(&x.key);
        if x.each {
            out.push(prefix.clone());
        }
    }
    out
}

/// Every value at `path` in `subject` (absent members are skipped).
pub(crate) fn instances<'a>(subject: &'a Value, path: &FieldPath) -> Vec<Instance<'a>> {
    let mut current = vec![Instance {
        pointer: String::new(),
        value: subject,
        items: Vec::new(),
    }];
    let mut prefix = String::new();
    for segment in &path.segments {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(&segment.key);
        let mut next = Vec::new();
        for at in current {
            let Some(value) = at.value.get(&segment.key) else {
                continue;
            };
            let mut pointer = String::with_capacity(at.pointer.len() + segment.key.len() + 1);
            pointer.push_str(&at.pointer);
            pointer.push('/');
            if segment.key.contains(['~', '/']) {
                pointer.push_str(&escape(&segment.key));
            } else {
                pointer.push_str(&segment.key);
            }
            if segment.each {
                let Some(items) = value.as_array() else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let mut list_items = at.items.clone();
                    list_items.push((prefix.clone(), i));
                    next.push(Instance {
                        pointer: format!("{pointer}/{i}"),
                        value: item,
                        items: list_items,
                    });
                }
            } else {
                next.push(Instance {
                    pointer,
                    value,
                    items: at.items.clone(),
                });
            }
        }
        current = next;
    }
    current
}

/// A member name as a JSON pointer token (RFC 6901).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse_and_print() {
        let p = FieldPath::parse("spouses[].birthDate").unwrap();
        assert_eq!(p.segments.len(), 2);
        assert!(p.segments[0].each);
        assert_eq!(p.to_string(), "spouses[].birthDate");
        assert_eq!(p.last(), "birthDate");
        for bad in ["", "a..b", "a[0]", "a[]]", ".a", "a/b"] {
            assert!(FieldPath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn instances_follow_lists_and_pair_items() {
        let subject = json!({
            "date": "2020-01-01",
            "categories": [{"from": "2020-01-02"}, {"from": "2019-01-01", "to": "2021-01-01"}]
        });
        let from = instances(&subject, &FieldPath::parse("categories[].from").unwrap());
        let to = instances(&subject, &FieldPath::parse("categories[].to").unwrap());
        let date = instances(&subject, &FieldPath::parse("date").unwrap());
        assert_eq!(from.len(), 2);
        assert_eq!(from[1].pointer, "/categories/1/from");
        assert_eq!(to.len(), 1);
        assert!(!from[0].compatible(&to[0]));
        assert!(from[1].compatible(&to[0]));
        assert!(from[0].compatible(&date[0]));
        let shared = shared_lists(
            &FieldPath::parse("categories[].from").unwrap(),
            &FieldPath::parse("categories[].to").unwrap(),
        );
        assert_eq!(shared, vec!["categories".to_owned()]);
        assert_eq!(from[1].key(&shared), to[0].key(&shared));
        assert_eq!(date[0].key(&shared), Vec::<usize>::new());
        let list = instances(&subject, &FieldPath::parse("categories").unwrap());
        assert_eq!(list.len(), 1);
        assert!(list[0].value.is_array());
    }
}
