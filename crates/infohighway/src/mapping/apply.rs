//! Mapping a source record to a validated document: every rule applied, the document built,
//! pruned and checked by the model's rules.

use civitas_issuer::Document;
use serde_json::{Map, Value};

use super::path::Seg;
use super::{MapFailure, Mapped, Mapping};
use crate::report::{Issue, Stage};

impl Mapping {
    /// Reads only the source record id (for reporting a record that fails early).
    pub fn record_id(&self, record: &Value) -> Option<String> {
        match self.eval(&self.id, record, "sourceRecordId") {
            Ok(Some(Value::String(s))) => Some(s),
            _ => None,
        }
    }

    /// Maps a source record (a JSON object; a CSV row is an object of strings) to a validated
    /// document.
    pub fn apply(&self, record: &Value) -> Result<Mapped, MapFailure> {
        let mut issues = Vec::new();
        let source_id = match self.eval(&self.id, record, "sourceRecordId") {
            Ok(Some(Value::String(s))) => Some(s),
            Ok(_) => {
                issues.push(Issue {
                    field: "sourceRecordId".into(),
                    source_field: self.id_source(),
                    reason: "the record has no id".into(),
                });
                None
            }
            Err(i) => {
                issues.push(i);
                None
            }
        };
        let version = match &self.version {
            None => None,
            Some(rule) => match self.eval(rule, record, "version") {
                Ok(Some(Value::String(s))) => Some(s),
                Ok(_) => None,
                Err(i) => {
                    issues.push(i);
                    None
                }
            },
        };
        let mut doc = Value::Object(Map::new());
        for f in &self.fields {
            match self.eval(&f.rule, record, &f.target) {
                Ok(Some(v)) => set_path(&mut doc, &f.segs, v),
                Ok(None) => {}
                Err(i) => issues.push(i),
            }
        }
        for e in &self.each {
            let Some(list) = e.from.lookup(record) else {
                continue;
            };
            let items: &[Value] = match list {
                Value::Array(a) => a,
                Value::Null => &[],
                _ => {
                    issues.push(Issue {
                        field: e.target.clone(),
                        source_field: Some(e.from.as_str().to_owned()),
                        reason: "the source is not a list".into(),
                    });
                    continue;
                }
            };
            if items.len() > e.max {
                issues.push(Issue {
                    field: e.target.clone(),
                    source_field: Some(e.from.as_str().to_owned()),
                    reason: format!("{} entries, at most {} allowed", items.len(), e.max),
                });
                continue;
            }
            for (i, item) in items.iter().enumerate() {
                for field in &e.fields {
                    let target = format!("{}[{i}].{}", e.target, field.name);
                    match self.eval(&field.rule, item, &target) {
                        Ok(Some(v)) => {
                            let mut segs = e.segs.clone();
                            segs.push(Seg::Index(i));
                            segs.extend(field.segs.iter().cloned());
                            set_path(&mut doc, &segs, v);
                        }
                        Ok(None) => {}
                        Err(issue) => issues.push(issue),
                    }
                }
            }
        }
        if !issues.is_empty() {
            return Err(MapFailure {
                source_id,
                issues,
                stage: Stage::Mapping,
            });
        }
        prune(&mut doc);
        let source_id = source_id.unwrap_or_default();
        match Document::parse(self.document.clone(), &doc) {
            Ok(document) => Ok(Mapped {
                source_id,
                version,
                document,
            }),
            Err(e) => Err(MapFailure {
                source_id: Some(source_id),
                issues: vec![self.issue_of(&e)],
                stage: Stage::Validation,
            }),
        }
    }
}

fn set_path(root: &mut Value, segs: &[Seg], value: Value) {
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut at = root;
    for (i, seg) in parents.iter().enumerate() {
        let next_is_index = matches!(segs.get(i + 1), Some(Seg::Index(_)));
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        at = match seg {
            Seg::Key(k) => {
                let Value::Object(obj) = at else { return };
                obj.entry(k.clone()).or_insert_with(fresh)
            }
            Seg::Index(n) => {
                let Value::Array(arr) = at else { return };
                while arr.len() <= *n {
                    arr.push(Value::Null);
                }
                let slot = &mut arr[*n];
                if slot.is_null() {
                    *slot = fresh();
                }
                slot
            }
        };
    }
    match (last, at) {
        (Seg::Key(k), Value::Object(obj)) => {
            obj.insert(k.clone(), value);
        }
        (Seg::Index(n), Value::Array(arr)) => {
            while arr.len() <= *n {
                arr.push(Value::Null);
            }
            arr[*n] = value;
        }
        _ => {}
    }
}

/// Removes empty objects, nulls in lists and empty lists, so unmapped optional parts vanish.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Object(obj) => {
            obj.retain(|_, child| !prune(child));
            obj.is_empty()
        }
        Value::Array(arr) => {
            arr.retain_mut(|child| !prune(child));
            arr.is_empty()
        }
        Value::Null => true,
        _ => false,
    }
}
