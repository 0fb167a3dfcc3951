//! Dotted paths (`child.name.en`, `witnesses[0].surname`) into source records and documents.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[0].c` into segments; `None` when malformed.
pub(super) fn parse_path(path: &str) -> Option<Vec<Seg>> {
    let mut segs = Vec::new();
    if path.is_empty() {
        return None;
    }
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && segs.is_empty() && rest.is_empty() {
            return None;
        }
        if !name.is_empty() {
            segs.push(Seg::Key(name.to_owned()));
        } else if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let index: usize = rest.get(1..close)?.parse().ok()?;
            segs.push(Seg::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    Some(segs)
}

/// A path into a source record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePath {
    pub(super) text: String,
    segs: Vec<Seg>,
}

impl SourcePath {
    pub(super) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(Self {
            text: text.to_owned(),
            // a path that does not parse is still usable as a literal key (CSV headers)
            segs: parse_path(text).unwrap_or_else(|| vec![Seg::Key(text.to_owned())]),
        })
    }

    /// The path as written in the mapping.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(super) fn lookup<'a>(&self, record: &'a Value) -> Option<&'a Value> {
        if let Some(v) = record.get(&self.text) {
            return Some(v);
        }
        let mut at = record;
        for seg in &self.segs {
            at = match seg {
                Seg::Key(k) => at.get(k)?,
                Seg::Index(i) => at.get(*i)?,
            };
        }
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("a.b[1].c"),
            Some(vec![
                Seg::Key("a".into()),
                Seg::Key("b".into()),
                Seg::Index(1),
                Seg::Key("c".into())
            ])
        );
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path(""), None);
        let p = SourcePath::parse("Date of birth").unwrap();
        assert_eq!(p.lookup(&json!({"Date of birth": "x"})), Some(&json!("x")));
        let p = SourcePath::parse("a.b").unwrap();
        assert_eq!(p.lookup(&json!({"a.b": 1, "a": {"b": 2}})), Some(&json!(1)));
        assert_eq!(p.lookup(&json!({"a": {"b": 2}})), Some(&json!(2)));
    }
}
