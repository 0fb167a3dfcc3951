//! The JSON-LD context of a profile: one `@protected` term definition per vocabulary term, its
//! `@type` coercion or `@container` derived from the kind of the fields that use it.

use serde_json::{Map, Value, json};

use crate::format::{Kind, Profile};

const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

/// How a term's values are read in JSON-LD, from the kind of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coercion {
    /// A plain string (text, codes, identifiers): the term is just its IRI.
    None,
    /// A node (an object): `{"@id": iri}`.
    Node,
    /// A language map: `"@container": "@language"`.
    Language,
    /// A list of nodes: `"@container": "@set"`.
    Set,
    /// A typed literal: `"@type": xsd:…`.
    Typed(&'static str),
}

/// The coercion a field of `kind` gives its term.
pub(crate) fn coercion(kind: &Kind) -> Coercion {
    match kind {
        Kind::Text { .. }
        | Kind::Enum { .. }
        | Kind::Country
        | Kind::Identifier { .. }
        | Kind::Did => Coercion::None,
        Kind::LanguageMap => Coercion::Language,
        Kind::Date => Coercion::Typed("date"),
        Kind::Time => Coercion::Typed("time"),
        Kind::DateTime => Coercion::Typed("dateTime"),
        Kind::Integer { .. } => Coercion::Typed("integer"),
        Kind::Amount | Kind::Object { .. } => Coercion::Node,
        Kind::List { .. } => Coercion::Set,
    }
}

fn definition(iri: &str, coercion: Coercion) -> Value {
    match coercion {
        Coercion::None => Value::String(iri.to_owned()),
        Coercion::Node => json!({ "@id": iri }),
        Coercion::Language => json!({ "@id": iri, "@container": "@language" }),
        Coercion::Set => json!({ "@id": iri, "@container": "@set" }),
        Coercion::Typed(t) => json!({ "@id": iri, "@type": format!("{XSD}{t}") }),
    }
}

impl Profile {
    /// The coercion of each term used by a field (the loader checked there is one per term).
    fn coercions(&self) -> std::collections::BTreeMap<&str, Coercion> {
        let mut out = std::collections::BTreeMap::new();
        for t in std::iter::once(&self.subject).chain(self.types.values()) {
            for f in &t.fields {
                out.insert(f.key.as_str(), coercion(&f.kind));
                if f.kind == Kind::Amount {
                    out.insert("value", Coercion::Typed("decimal"));
                    out.insert("currency", Coercion::None);
                }
            }
        }
        out
    }

    /// The term definitions of the profile's context, term by term (sorted by term).
    pub fn term_definitions(&self) -> Map<String, Value> {
        let coercions = self.coercions();
        self.vocabulary
            .terms
            .iter()
            .map(|(term, iri)| {
                let c = coercions
                    .get(term.as_str())
                    .copied()
                    .unwrap_or(Coercion::None);
                (term.clone(), definition(iri, c))
            })
            .collect()
    }

    /// The JSON-LD context document served at [`crate::Document::context_url`]:
    /// `{"@context": {"@version": 1.1, "@protected": true, …terms}}`.
    pub fn context(&self) -> Value {
        context_document(self.term_definitions())
    }
}

fn context_document(terms: Map<String, Value>) -> Value {
    let mut ctx = Map::new();
    ctx.insert("@version".into(), json!(1.1));
    ctx.insert("@protected".into(), Value::Bool(true));
    ctx.extend(terms);
    json!({ "@context": Value::Object(ctx) })
}

/// One context for several profiles that share its URL (the birth and marriage certificates
/// share `https://w3id.org/civitas/civil-registry/v1`): the union of their terms. Fails when
/// they name different context URLs or define a term differently.
pub fn merged_context(profiles: &[&Profile]) -> Result<Value, String> {
    let mut terms = Map::new();
    let mut url: Option<&str> = None;
    for p in profiles {
        match url {
            Some(u) if u != p.document.context_url => {
                return Err(format!(
                    "{} has the context {}, not {u}",
                    p.document.type_name, p.document.context_url
                ));
            }
            _ => url = Some(&p.document.context_url),
        }
        for (term, def) in p.term_definitions() {
            match terms.get(&term) {
                Some(existing) if *existing != def => {
                    return Err(format!(
                        "the term `{term}` is {existing} in one profile and {def} in {}",
                        p.document.type_name
                    ));
                }
                _ => {
                    terms.insert(term, def);
                }
            }
        }
    }
    let mut sorted: Vec<_> = terms.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(context_document(sorted.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Role;

    #[test]
    fn each_kind_gives_its_coercion() {
        assert_eq!(coercion(&Kind::Date), Coercion::Typed("date"));
        assert_eq!(coercion(&Kind::LanguageMap), Coercion::Language);
        assert_eq!(coercion(&Kind::Amount), Coercion::Node);
        assert_eq!(coercion(&Kind::Country), Coercion::None);
        let list = Kind::List {
            role: Role::Object,
            type_name: "x".into(),
            min: 0,
            max: None,
        };
        assert_eq!(coercion(&list), Coercion::Set);
        assert_eq!(
            definition("https://schema.org/birthDate", Coercion::Typed("date")),
            json!({"@id": "https://schema.org/birthDate", "@type": "http://www.w3.org/2001/XMLSchema#date"})
        );
        assert_eq!(
            definition("https://schema.org/name", Coercion::None),
            json!("https://schema.org/name")
        );
    }
}
