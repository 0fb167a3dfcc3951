//! Every field path of a profile, and what derives from the tree: the English/French labels of
//! each field and enumeration value, the fields a holder may withhold, the fields ingestion
//! mappings may target.

use std::collections::BTreeMap;

use crate::format::{Field, Kind, Label, ObjectType, Profile};
use crate::path::FieldPath;

/// Labels by field path (`birthPlace.addressLocality`, `spouses[].givenName`) and by
/// enumeration value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// Field path (as text) → label.
    pub fields: BTreeMap<String, Label>,
    /// (field path, code) → label of that value.
    pub values: BTreeMap<(String, String), Label>,
}

impl Labels {
    /// The label of the field at `path`.
    pub fn field(&self, path: &str) -> Option<&Label> {
        self.fields.get(path)
    }

    /// The label of `code` in the enumeration field at `path`.
    pub fn value(&self, path: &str, code: &str) -> Option<&Label> {
        self.values.get(&(path.to_owned(), code.to_owned()))
    }
}

/// A field ingestion mappings may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestTarget {
    /// Its path (`witnesses[].givenName`).
    pub path: FieldPath,
    /// Its kind's name (`text`, `language-map`, `date`, …).
    pub kind: &'static str,
    /// For each list on the way, its most items (`None`: unbounded).
    pub list_max: Vec<Option<u64>>,
}

impl Profile {
    /// Every field path, depth first in the file's order, with its field. Lists' members are
    /// under `list[]`.
    pub fn field_paths(&self) -> Vec<(FieldPath, &Field)> {
        let mut out = Vec::new();
        self.walk(
            &self.subject,
            &FieldPath {
                segments: Vec::new(),
            },
            &mut out,
            0,
        );
        out
    }

    fn walk<'p>(
        &'p self,
        t: &'p ObjectType,
        at: &FieldPath,
        out: &mut Vec<(FieldPath, &'p Field)>,
        depth: usize,
    ) {
        // The loader refuses cycles; the depth bound only keeps this total.
        if depth > 32 {
            return;
        }
        for f in &t.fields {
            let path = at.child(&f.key, false);
            out.push((path.clone(), f));
            if let Some(inner) = f.kind.type_name().and_then(|n| self.types.get(n)) {
                let base = at.child(&f.key, matches!(f.kind, Kind::List { .. }));
                self.walk(inner, &base, out, depth + 1);
            }
        }
    }

    /// The English/French label of every field path and enumeration value.
    pub fn labels(&self) -> Labels {
        let mut labels = Labels::default();
        for (path, f) in self.field_paths() {
            let key = path.to_string();
            if let Kind::Enum { name } = &f.kind
                && let Some(e) = self.enums.get(name)
            {
                for v in &e.values {
                    labels
                        .values
                        .insert((key.clone(), v.code.clone()), v.label.clone());
                }
            }
            labels.fields.insert(key, f.label.clone());
        }
        labels
    }

    /// The fields a holder may withhold when sharing (`withhold = true`).
    pub fn withholdable(&self) -> Vec<FieldPath> {
        self.field_paths()
            .into_iter()
            .filter(|(_, f)| f.withhold)
            .map(|(p, _)| p)
            .collect()
    }

    /// The leaf fields ingestion mappings may target: every field that is not an object or a
    /// list, unless it (or an object above it) says `ingest = false`.
    pub fn ingestion_targets(&self) -> Vec<IngestTarget> {
        let paths = self.field_paths();
        let mut excluded: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (path, f) in &paths {
            let text = path.to_string();
            if excluded.iter().any(|e| text.starts_with(e.as_str())) {
                continue;
            }
            if !f.ingest {
                excluded.push(format!("{text}."));
                excluded.push(format!("{text}[]."));
                continue;
            }
            if f.kind.type_name().is_some() {
                continue;
            }
            let mut list_max = Vec::new();
            let mut prefix = FieldPath {
                segments: Vec::new(),
            };
            for s in &path.segments {
                // the list itself (no `[]` on its last segment), through the earlier lists' items
                let list = prefix.child(&s.key, false);
                if s.each
                    && let Ok(Field {
                        kind: Kind::List { max, .. },
                        ..
                    }) = self.resolve(&list)
                {
                    list_max.push(*max);
                }
                prefix = prefix.child(&s.key, s.each);
            }
            out.push(IngestTarget {
                path: path.clone(),
                kind: f.kind.name(),
                list_max,
            });
        }
        out
    }
}
