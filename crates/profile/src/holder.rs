//! Who may hold a document: the `id` members of kind `did` (the child of a birth certificate,
//! either spouse of a marriage certificate), read from a subject or set in it.

use serde_json::{Map, Value};

use crate::format::{Kind, Profile};
use crate::path::{FieldPath, instances};

impl Profile {
    /// The paths of the fields of kind `did`: where a subject names its holders.
    pub fn holder_paths(&self) -> Vec<FieldPath> {
        self.field_paths()
            .into_iter()
            .filter(|(_, f)| f.kind == Kind::Did)
            .map(|(p, _)| p)
            .collect()
    }

    /// The DIDs a subject names as its holders, in the profile's order.
    pub fn holders(&self, subject: &Value) -> Vec<String> {
        self.holder_paths()
            .iter()
            .flat_map(|p| instances(subject, p))
            .filter_map(|i| i.value.as_str().map(str::to_owned))
            .collect()
    }

    /// Sets (or, with `None`, removes) the first holder of `subject`: the first `did` field,
    /// in the first item of a list it is in. The `id` member comes first in its object.
    /// Returns whether the profile has a holder field at all.
    pub fn set_holder(&self, subject: &mut Value, did: Option<&str>) -> bool {
        self.set_holder_in(subject, did, None).is_ok()
    }

    /// Sets (or removes) the holder of `subject`: the first `did` field; when it is inside a
    /// list (the spouses of a marriage certificate), in item `item` of that list, which must
    /// then be given (`None` takes the first only in [`Profile::set_holder`]). The error says
    /// why the holder cannot be set there.
    pub fn set_holder_in(
        &self,
        subject: &mut Value,
        did: Option<&str>,
        item: Option<usize>,
    ) -> Result<(), String> {
        let Some(path) = self.holder_paths().into_iter().next() else {
            return Err(format!(
                "a {} names no holder (no field of kind `did`)",
                self.document.type_name
            ));
        };
        let in_list = path.segments.iter().any(|s| s.each);
        if item.is_some() && !in_list {
            return Err(format!(
                "a {} has one holder: no item to choose",
                self.document.type_name
            ));
        }
        let mut target = subject;
        let Some((last, parents)) = path.segments.split_last() else {
            return Err("no holder field".into());
        };
        for segment in parents {
            let Some(next) = target.get_mut(&segment.key) else {
                return Err(format!("`{}` is missing", segment.key));
            };
            target = if segment.each {
                let n = next.as_array().map_or(0, Vec::len);
                let i = item.unwrap_or(0);
                match next.get_mut(i) {
                    Some(one) => one,
                    None => {
                        return Err(format!(
                            "`{}` has {n} items: the holder is one of 0 to {}",
                            segment.key,
                            n.saturating_sub(1)
                        ));
                    }
                }
            } else {
                next
            };
        }
        let Value::Object(map) = target else {
            return Err(format!("the holder's object at `{path}` is not an object"));
        };
        let mut out = Map::with_capacity(map.len() + 1);
        if let Some(did) = did {
            out.insert(last.key.clone(), Value::String(did.to_owned()));
        }
        for (k, v) in std::mem::take(map) {
            if k != last.key {
                out.insert(k, v);
            }
        }
        *map = out;
        Ok(())
    }

    /// Whether the holder field is inside a list (several people may each hold the document,
    /// and issuing to one names which).
    pub fn holder_in_list(&self) -> bool {
        self.holder_paths()
            .first()
            .is_some_and(|p| p.segments.iter().any(|s| s.each))
    }
}
