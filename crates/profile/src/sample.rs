//! A sample subject: the one the profile gives (`[sample]`), else one made from the kinds (for
//! `civitas profile show --sample`).

use serde_json::{Map, Value, json};

use crate::format::{Kind, ObjectType, Profile};

impl Profile {
    /// The sample subject: the profile's `[sample]` (checked against the profile when it was
    /// loaded) or, without one, a subject made from the kinds — every field, the fewest list
    /// items (at least one), the first enumeration value; it has the right shape but may break
    /// the profile's rules or patterns.
    pub fn sample(&self) -> Value {
        match &self.sample {
            Some(s) => s.clone(),
            None => self.generated(&self.subject, 0),
        }
    }

    fn generated(&self, t: &ObjectType, depth: usize) -> Value {
        let mut out = Map::new();
        if let Some(class) = &t.class {
            out.insert("type".into(), json!(class));
        }
        if depth > 32 {
            return Value::Object(out);
        }
        for f in &t.fields {
            let value = match &f.kind {
                Kind::Text { .. } | Kind::LanguageMap => json!(f.label.en()),
                Kind::Date => json!("2024-01-01"),
                Kind::Time => json!("12:00:00"),
                Kind::DateTime => json!("2024-01-01T12:00:00Z"),
                Kind::Enum { name } => self
                    .enums
                    .get(name)
                    .and_then(|e| e.values.first())
                    .map_or(Value::Null, |v| json!(v.code)),
                Kind::Integer { min, .. } => json!(min.unwrap_or(0).max(0)),
                Kind::Amount => json!({"value": "0.00", "currency": "MUR"}),
                Kind::Country => json!("MU"),
                Kind::Identifier { .. } => json!("ID-0001"),
                Kind::Did => json!("did:example:holder"),
                Kind::Object { type_name, .. } => match self.types.get(type_name) {
                    Some(inner) => self.generated(inner, depth + 1),
                    None => Value::Null,
                },
                Kind::List { type_name, min, .. } => match self.types.get(type_name) {
                    Some(inner) => Value::Array(
                        (0..(*min).clamp(1, 10))
                            .map(|_| self.generated(inner, depth + 1))
                            .collect(),
                    ),
                    None => Value::Null,
                },
            };
            out.insert(f.key.clone(), value);
        }
        Value::Object(out)
    }
}

/// Adds the implied `type` member to every object of `value` that has a class and no `type`,
/// so a `[sample]` need not repeat them, and puts members in the profile's order (`id`, `type`,
/// then the fields as declared; TOML tables come sorted by key).
pub(crate) fn fill_types(profile: &Profile, value: &mut Value) {
    fill(profile, &profile.subject, value, 0, true);
}

impl Profile {
    /// Completes a record into a subject as issuers write it: every object with a class gets
    /// its implied `type` when it has none, and members come in the profile's order (`id`,
    /// `type`, then the fields as declared; members the profile does not know stay, last, for
    /// validation to report). It checks nothing.
    pub fn complete(&self, subject: &mut Value) {
        fill_types(self, subject);
    }

    /// Puts the members of a subject in the profile's order (`id`, `type`, then the fields as
    /// declared; unknown members last), adding and changing nothing: how a subject rebuilt from
    /// another form (the CV1 QR code) reads as the issuer wrote it.
    pub fn order(&self, subject: &mut Value) {
        fill(self, &self.subject, subject, 0, false);
    }
}

fn fill(profile: &Profile, t: &ObjectType, value: &mut Value, depth: usize, add_types: bool) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    if depth > 32 {
        return;
    }
    let mut rest = std::mem::take(object);
    if let Some(id) = rest.remove("id") {
        object.insert("id".into(), id);
    }
    match (rest.remove("type"), &t.class) {
        (Some(given), _) => {
            object.insert("type".into(), given);
        }
        (None, Some(class)) if add_types => {
            object.insert("type".into(), json!(class));
        }
        (None, _) => {}
    }
    for f in &t.fields {
        let Some(mut member) = rest.remove(&f.key) else {
            continue;
        };
        if f.kind == Kind::Amount
            && let Value::Object(amount) = &mut member
        {
            // `value`, then `currency`, then anything else
            let mut parts = std::mem::take(amount);
            for k in ["value", "currency"] {
                if let Some(v) = parts.remove(k) {
                    amount.insert(k.into(), v);
                }
            }
            amount.extend(parts);
        }
        if let Some(inner) = f.kind.type_name().and_then(|n| profile.types.get(n)) {
            match (&f.kind, &mut member) {
                (Kind::List { .. }, Value::Array(items)) => {
                    for item in items {
                        fill(profile, inner, item, depth + 1, add_types);
                    }
                }
                (Kind::Object { .. }, v) => fill(profile, inner, v, depth + 1, add_types),
                _ => {}
            }
        }
        object.insert(f.key.clone(), member);
    }
    // Members the profile does not know stay (validation reports them), last.
    object.extend(rest);
}
