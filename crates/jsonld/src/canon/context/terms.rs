//! Creating term definitions (JSON-LD 1.1 Processing Algorithms §4.2).

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::canon::Declined;
use crate::canon::iri;
use crate::canon::str::FxBuild;

use super::*;

impl<'s> Processor<'s> {
    /// Create Term Definition (§4.2.2).
    pub(super) fn define<'l>(
        &mut self,
        result: &mut Cur,
        local: &'l Map<String, Value>,
        term: &'l str,
        defined: &mut HashMap<&'l str, bool, FxBuild>,
        opts: DefineOpts<'_>,
        remote: &mut Vec<String>,
    ) -> Result<(), Declined> {
        match defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => return Err(Declined::Invalid("cyclic IRI mapping")),
            None => {}
        }
        if term.is_empty() {
            return Err(Declined::Invalid("invalid term definition (empty term)"));
        }
        defined.insert(term, false);
        let value = local.get(term).unwrap_or(&Value::Null);
        if Kw::parse(term).is_some() {
            // `@type` may be redefined in JSON-LD 1.1 (to add @container: @set); not here.
            return Err(if term == "@type" {
                Declined::Unsupported("redefinition of @type")
            } else {
                Declined::Invalid("keyword redefinition")
            });
        }
        if iri::has_keyword_form(term) {
            // Ignored (with a warning) by the algorithm; the general path may differ.
            return Err(Declined::Unsupported("term with the form of a keyword"));
        }
        let previous = result.draft().terms.remove(term);
        let (map, simple): (Map<String, Value>, bool) = match value {
            Value::Null => {
                let mut m = Map::new();
                m.insert("@id".into(), Value::Null);
                (m, false)
            }
            Value::String(s) => {
                let mut m = Map::new();
                m.insert("@id".into(), Value::String(s.clone()));
                (m, true)
            }
            Value::Object(o) => (o.clone(), false),
            _ => return Err(Declined::Invalid("invalid term definition")),
        };
        let mut def = TermDef {
            iri: Mapping::Null,
            prefix: false,
            protected: opts.protected,
            type_mapping: None,
            container: 0,
            language: None,
            direction: None,
            context: None,
        };
        for k in map.keys() {
            match k.as_str() {
                "@id" | "@container" | "@context" | "@language" | "@direction" | "@prefix"
                | "@protected" | "@type" => {}
                "@reverse" | "@index" | "@nest" => {
                    return Err(Declined::Unsupported(
                        "@reverse, @index or @nest in a term definition",
                    ));
                }
                _ => return Err(Declined::Invalid("invalid term definition")),
            }
        }
        if let Some(p) = map.get("@protected") {
            def.protected = p
                .as_bool()
                .ok_or(Declined::Invalid("invalid @protected value"))?;
        }
        if let Some(t) = map.get("@type") {
            let t = t
                .as_str()
                .ok_or(Declined::Invalid("invalid type mapping"))?;
            let expanded =
                self.expand_iri_defining(result, local, t, defined, opts, remote, false, true)?;
            def.type_mapping = Some(match expanded {
                Mapping::Keyword(Kw::Id) => TypeMapping::Id,
                Mapping::Keyword(Kw::Vocab) => TypeMapping::Vocab,
                Mapping::Keyword(Kw::Json) => TypeMapping::Json,
                Mapping::Keyword(Kw::None) => TypeMapping::None,
                Mapping::Iri(i) if !iri::is_blank(&i) && iri::is_absolute_iri(&i) => {
                    TypeMapping::Iri(i)
                }
                _ => return Err(Declined::Invalid("invalid type mapping")),
            });
        }
        let id_entry = map.get("@id");
        if let Some(id) = id_entry.filter(|v| v.as_str() != Some(term)) {
            match id {
                Value::Null => def.iri = Mapping::Null,
                Value::String(s) => {
                    if Kw::parse(s).is_none() && iri::has_keyword_form(s) {
                        return Err(Declined::Unsupported("@id with the form of a keyword"));
                    }
                    let m = self.expand_iri_defining(
                        result, local, s, defined, opts, remote, false, true,
                    )?;
                    match &m {
                        Mapping::Keyword(Kw::Context) => {
                            return Err(Declined::Invalid("invalid keyword alias"));
                        }
                        Mapping::Keyword(_) => {}
                        Mapping::Iri(i) if iri::is_blank(i) || iri::is_absolute_iri(i) => {}
                        _ => return Err(Declined::Invalid("invalid IRI mapping")),
                    }
                    def.iri = m;
                    let inner_colon = term
                        .char_indices()
                        .any(|(i, c)| c == ':' && i > 0 && i + 1 < term.len());
                    if inner_colon || term.contains('/') {
                        defined.insert(term, true);
                        let again = self.expand_iri_defining(
                            result, local, term, defined, opts, remote, false, true,
                        )?;
                        if again != def.iri {
                            return Err(Declined::Invalid("invalid IRI mapping"));
                        }
                    }
                    if !term.contains(':')
                        && !term.contains('/')
                        && simple
                        && let Mapping::Iri(i) = &def.iri
                        && (iri::ends_with_gen_delim(i) || iri::is_blank(i))
                    {
                        def.prefix = true;
                    }
                }
                _ => return Err(Declined::Invalid("invalid IRI mapping")),
            }
        } else if let Some(colon) = iri::colon_after_first(term) {
            let (prefix, suffix) = (&term[..colon], &term[colon + 1..]);
            if local.contains_key(prefix) {
                let prefix_key = local
                    .get_key_value(prefix)
                    .map(|(k, _)| k.as_str())
                    .unwrap_or(prefix);
                self.define(result, local, prefix_key, defined, opts, remote)?;
            }
            if let Some(p) = result.term(prefix) {
                match &p.iri {
                    Mapping::Iri(p) => def.iri = Mapping::Iri(Rc::from(format!("{p}{suffix}"))),
                    _ => {
                        return Err(Declined::Unsupported(
                            "compact IRI term with a non-IRI prefix",
                        ));
                    }
                }
                if let Mapping::Iri(i) = &def.iri
                    && !iri::is_absolute_iri(i)
                {
                    return Err(Declined::Unsupported("term IRI outside the IRI grammar"));
                }
            } else if iri::is_blank(term) || iri::is_absolute_iri(term) {
                def.iri = Mapping::Iri(Rc::from(term));
            } else {
                return Err(Declined::Unsupported(
                    "term is neither an IRI nor a compact IRI",
                ));
            }
        } else if term.contains('/') {
            return Err(Declined::Unsupported("relative IRI term"));
        } else if let Some(v) = result.vocab() {
            let i = format!("{v}{term}");
            if !iri::is_absolute_iri(&i) {
                return Err(Declined::Unsupported("term IRI outside the IRI grammar"));
            }
            def.iri = Mapping::Iri(Rc::from(i));
        } else {
            return Err(Declined::Invalid("invalid IRI mapping (no @vocab)"));
        }
        if let Some(c) = map.get("@container") {
            def.container = container_flags(c)?;
        }
        if let Some(ctx) = map.get("@context") {
            let scoped = Scoped {
                value: Rc::new(ctx.clone()),
                base: opts.base.cloned(),
            };
            // Validate now (§4.2.2 21.3): an invalid scoped context invalidates the context.
            let snapshot = std::mem::replace(result, Cur::Shared(shared_root()));
            let frozen = snapshot.freeze();
            let check = self.process(
                &frozen,
                &scoped.value,
                opts.base,
                &mut remote.clone(),
                true,
                true,
                false,
            );
            *result = Cur::Shared(frozen);
            check.map_err(|e| match e {
                Declined::Invalid(_) => Declined::Invalid("invalid scoped context"),
                other => other,
            })?;
            def.context = Some(scoped);
        }
        if let Some(l) = map.get("@language")
            && !map.contains_key("@type")
        {
            def.language = Some(match l {
                Value::Null => None,
                Value::String(s) => Some(Rc::from(s.as_str())),
                _ => return Err(Declined::Invalid("invalid language mapping")),
            });
        }
        if let Some(d) = map.get("@direction")
            && !map.contains_key("@type")
        {
            def.direction = Some(Direction::parse(d)?);
        }
        if let Some(p) = map.get("@prefix") {
            if term.contains(':') || term.contains('/') {
                return Err(Declined::Invalid("invalid term definition (@prefix)"));
            }
            def.prefix = p
                .as_bool()
                .ok_or(Declined::Invalid("invalid @prefix value"))?;
            if def.prefix && matches!(def.iri, Mapping::Keyword(_)) {
                return Err(Declined::Invalid(
                    "invalid term definition (keyword prefix)",
                ));
            }
        }
        if !opts.override_protected
            && let Some(prev) = &previous
            && prev.protected
        {
            if !def.same_except_protected(prev) {
                return Err(Declined::Invalid("protected term redefinition"));
            }
            def = (**prev).clone();
        }
        result.draft().terms.insert(Rc::from(term), Rc::new(def));
        defined.insert(term, true);
        Ok(())
    }

    /// IRI expansion (§5.2.2) during context processing: defines the terms it depends on.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn expand_iri_defining<'l>(
        &mut self,
        result: &mut Cur,
        local: &'l Map<String, Value>,
        value: &str,
        defined: &mut HashMap<&'l str, bool, FxBuild>,
        opts: DefineOpts<'_>,
        remote: &mut Vec<String>,
        doc_relative: bool,
        vocab: bool,
    ) -> Result<Mapping, Declined> {
        if let Some(k) = Kw::parse(value) {
            return Ok(Mapping::Keyword(k));
        }
        if iri::has_keyword_form(value) {
            return Ok(Mapping::Null);
        }
        if let Some((key, _)) = local.get_key_value(value)
            && defined.get(key.as_str()) != Some(&true)
        {
            self.define(result, local, key, defined, opts, remote)?;
        }
        if let Some(def) = result.term(value) {
            if let Mapping::Keyword(k) = def.iri {
                return Ok(Mapping::Keyword(k));
            }
            if vocab {
                return Ok(def.iri.clone());
            }
        }
        if let Some(colon) = iri::colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Ok(Mapping::Iri(Rc::from(value)));
            }
            if let Some((key, _)) = local.get_key_value(prefix)
                && defined.get(key.as_str()) != Some(&true)
            {
                self.define(result, local, key, defined, opts, remote)?;
            }
            if let Some(def) = result.term(prefix)
                && def.prefix
                && let Mapping::Iri(p) = &def.iri
            {
                return Ok(Mapping::Iri(Rc::from(format!("{p}{suffix}"))));
            }
            if iri::is_absolute_iri(value) {
                return Ok(Mapping::Iri(Rc::from(value)));
            }
        }
        if vocab && let Some(v) = result.vocab() {
            return Ok(Mapping::Iri(Rc::from(format!("{v}{value}"))));
        }
        if doc_relative && let Some(base) = result.base() {
            return Ok(Mapping::Iri(Rc::from(iri::resolve(value, base))));
        }
        Ok(Mapping::Iri(Rc::from(value)))
    }
}

pub(super) fn container_flags(c: &Value) -> Result<u8, Declined> {
    let items: &[Value] = match c {
        Value::Array(a) => a,
        one => std::slice::from_ref(one),
    };
    let mut flags = 0u8;
    for item in items {
        let f = match item.as_str() {
            Some("@set") => C_SET,
            Some("@list") => C_LIST,
            Some("@language") => C_LANGUAGE,
            Some("@graph") => C_GRAPH,
            Some("@index" | "@id" | "@type") => {
                return Err(Declined::Unsupported("@index, @id or @type container"));
            }
            _ => return Err(Declined::Invalid("invalid container mapping")),
        };
        if flags & f != 0 {
            return Err(Declined::Invalid("invalid container mapping"));
        }
        flags |= f;
    }
    // Allowed: one keyword alone; @set with @language or @graph; @graph alone or with @set.
    let ok = match flags {
        0 => false,
        C_SET | C_LIST | C_LANGUAGE | C_GRAPH => true,
        f if f == C_SET | C_LANGUAGE || f == C_SET | C_GRAPH => true,
        _ => false,
    };
    if ok {
        Ok(flags)
    } else {
        Err(Declined::Invalid("invalid container mapping"))
    }
}
