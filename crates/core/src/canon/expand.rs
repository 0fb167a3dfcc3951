//! JSON-LD 1.1 expansion (JSON-LD 1.1 Processing Algorithms §5.1.2, §5.3.2) into a small
//! expanded tree, for the subset the fast path covers (see [`super::context`]). Unsupported
//! features and anything the algorithm calls an error make it decline.

use std::rc::Rc;

use serde_json::{Map, Value};
use smallvec::SmallVec;

use super::Declined;
use super::context::{
    ActiveContext, C_GRAPH, C_LANGUAGE, C_LIST, Expanded, Kw, Mapping, Processor, TermDef,
    TypeMapping,
};
use super::iri;
use super::str::S;

/// An expanded scalar.
#[derive(Debug, Clone)]
pub(crate) enum Lit<'a> {
    Str(&'a str),
    Bool(bool),
    /// An integer, in canonical lexical form.
    Int(Rc<str>),
}

/// An expanded value object.
#[derive(Debug, Clone)]
pub(crate) struct Val<'a> {
    pub(crate) lit: Lit<'a>,
    pub(crate) ty: Option<S<'a>>,
    pub(crate) lang: Option<S<'a>>,
}

/// An expanded node object (also a graph object when `graph` is set).
#[derive(Debug, Clone, Default)]
pub(crate) struct Node<'a> {
    /// An absolute IRI, or a blank node identifier (`_:` prefix).
    pub(crate) id: Option<S<'a>>,
    pub(crate) types: Vec<S<'a>>,
    /// Each (property, value) pair; a property with several values appears once per value.
    pub(crate) props: Vec<(S<'a>, Item<'a>)>,
    /// Whether the node had a property whose value expanded to an empty array (no pair in
    /// `props`, but still an entry of the expanded node object).
    pub(crate) empty_props: bool,
    pub(crate) graph: Option<Vec<Item<'a>>>,
}

/// An item of an expanded array.
#[derive(Debug, Clone)]
pub(crate) enum Item<'a> {
    Node(Node<'a>),
    Value(Val<'a>),
    List(Vec<Item<'a>>),
}

/// The result of expanding one element.
pub(crate) enum Out<'a> {
    Null,
    One(Item<'a>),
    Many(Vec<Item<'a>>),
}

impl<'a> Out<'a> {
    fn into_vec(self) -> Vec<Item<'a>> {
        match self {
            Out::Null => Vec::new(),
            Out::One(i) => vec![i],
            Out::Many(v) => v,
        }
    }
}

const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";

/// Whether a language tag is one the general path is known to treat exactly like the
/// specification: a primary subtag of 2-3 letters, optionally a 4-letter script and a 2-letter
/// or 3-digit region (letters of either case: ssi keeps a well-formed tag as written, and so
/// does RDFC-1.0).
pub(crate) fn is_plain_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let mut seen_script = false;
    let mut seen_region = false;
    for p in parts {
        if !seen_script
            && !seen_region
            && p.len() == 4
            && p.bytes().all(|b| b.is_ascii_alphabetic())
        {
            seen_script = true;
        } else if !seen_region
            && ((p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
                || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())))
        {
            seen_region = true;
        } else {
            return false;
        }
    }
    true
}

/// Well-formed enough for the specification path (BCP 47 shape: alphanumeric subtags).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (1..=8).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The expansion algorithm, over one document.
pub(crate) struct Expander<'p, 's> {
    pub(crate) proc: &'p mut Processor<'s>,
    /// ssi-compatible mode (see [`super::jsonld`]).
    pub(crate) strict: bool,
    /// The document's base IRI (for embedded contexts).
    pub(crate) base: Option<Rc<str>>,
    /// Emptied key-expansion lists, reused by the next map (a document has a few dozen maps).
    spare: Vec<KeyList>,
}

/// The expansion of each key of a map and the key's term definition.
type KeyList = Vec<(Expanded, Option<Rc<TermDef>>)>;

struct Building<'a> {
    id: Option<S<'a>>,
    types: Option<Vec<S<'a>>>,
    type_was_array: bool,
    value: Option<Option<&'a Value>>,
    language: Option<S<'a>>,
    index: bool,
    list: Option<Vec<Item<'a>>>,
    set: Option<Out<'a>>,
    graph: Option<Vec<Item<'a>>>,
    props: Vec<(S<'a>, Item<'a>)>,
    /// A property expanded to an empty array (see [`Node::empty_props`]).
    empty_props: bool,
    seen: u32,
}

impl Building<'_> {
    /// Whether the object being built has no property entry at all.
    fn no_props(&self) -> bool {
        self.props.is_empty() && !self.empty_props
    }
}

fn kw_bit(k: Kw) -> u32 {
    1 << (k as u32)
}

impl<'p, 's> Expander<'p, 's> {
    /// An expander using `proc`'s contexts; `strict` is ssi-compatible mode.
    pub(crate) fn new(proc: &'p mut Processor<'s>, strict: bool, base: Option<Rc<str>>) -> Self {
        Self {
            proc,
            strict,
            base,
            spare: Vec::new(),
        }
    }

    /// Expands a whole document (the `expand()` API entry: unwraps a lone top-level `@graph`).
    pub(crate) fn expand_document<'a>(
        &mut self,
        active: &Rc<ActiveContext>,
        document: &'a Value,
        skip_top_level: Option<&str>,
    ) -> Result<Vec<Item<'a>>, Declined> {
        let out = match (document, skip_top_level) {
            (Value::Object(map), Some(_)) => {
                self.map(active, None, map, false, None, skip_top_level)?
            }
            _ => self.element(active, None, None, document, false)?,
        };
        Ok(match out {
            Out::One(Item::Node(n))
                if n.id.is_none()
                    && n.types.is_empty()
                    && n.props.is_empty()
                    && !n.empty_props
                    && n.graph.is_some() =>
            {
                n.graph.unwrap_or_default()
            }
            other => other.into_vec(),
        })
    }

    /// Expansion of one element (§5.1.2); `def` is the active property's term definition in
    /// `active` (looked up once by the caller).
    fn element<'a>(
        &mut self,
        active: &Rc<ActiveContext>,
        prop: Option<&'a str>,
        def: Option<&Rc<TermDef>>,
        element: &'a Value,
        from_map: bool,
    ) -> Result<Out<'a>, Declined> {
        match element {
            Value::Null => Ok(Out::Null),
            Value::Array(items) => {
                let list_container = def.is_some_and(|d| d.container & C_LIST != 0);
                let mut result = Vec::with_capacity(items.len());
                for item in items {
                    match self.element(active, prop, def, item, from_map)? {
                        Out::Null => {}
                        Out::One(i) => result.push(i),
                        Out::Many(v) => {
                            if list_container {
                                if self.strict {
                                    return Err(Declined::Unsupported("list of lists"));
                                }
                                result.push(Item::List(v));
                            } else {
                                result.extend(v);
                            }
                        }
                    }
                }
                Ok(Out::Many(result))
            }
            Value::Object(map) => {
                let scoped = def.and_then(|d| d.context.clone());
                self.map(active, prop, map, from_map, scoped, None)
            }
            scalar => {
                if prop.is_none() || prop == Some("@graph") {
                    return Ok(Out::Null);
                }
                match def.and_then(|d| d.context.as_ref()) {
                    Some(s) => {
                        // The property-scoped context may redefine the property itself.
                        let ctx = self.proc.apply_scoped(active, s, true, true)?;
                        let def = prop.and_then(|p| ctx.terms.get(p)).cloned();
                        self.value(&ctx, def.as_deref(), scalar).map(Out::One)
                    }
                    None => self.value(active, def.map(|d| &**d), scalar).map(Out::One),
                }
            }
        }
    }

    /// Value expansion (§5.3.2).
    fn value<'a>(
        &mut self,
        active: &Rc<ActiveContext>,
        def: Option<&TermDef>,
        value: &'a Value,
    ) -> Result<Item<'a>, Declined> {
        let tm = def.and_then(|d| d.type_mapping.as_ref());
        if let Value::String(s) = value {
            match tm {
                Some(TypeMapping::Id) => {
                    let id = self.id_value(active, s, false)?;
                    return Ok(Item::Node(Node {
                        id: Some(id),
                        ..Node::default()
                    }));
                }
                Some(TypeMapping::Vocab) => {
                    let id = self.id_value(active, s, true)?;
                    return Ok(Item::Node(Node {
                        id: Some(id),
                        ..Node::default()
                    }));
                }
                _ => {}
            }
        }
        let ty = match tm {
            Some(TypeMapping::Iri(t)) => Some(S::R(t.clone())),
            Some(TypeMapping::Json) => return Err(Declined::Unsupported("@json literal")),
            _ => None,
        };
        let mut lang = None;
        if value.is_string() && ty.is_none() {
            let l = match def.and_then(|d| d.language.as_ref()) {
                Some(explicit) => explicit.clone(),
                None => active.language.clone(),
            };
            if let Some(l) = l {
                self.check_language(&l)?;
                lang = Some(S::R(l));
            }
        }
        let lit = self.literal(value, ty.as_deref())?;
        Ok(Item::Value(Val { lit, ty, lang }))
    }

    fn literal<'a>(&self, value: &'a Value, ty: Option<&str>) -> Result<Lit<'a>, Declined> {
        Ok(match value {
            Value::String(s) => Lit::Str(s),
            Value::Bool(b) => {
                if self.strict && ty.is_some() {
                    return Err(Declined::Unsupported("typed boolean"));
                }
                Lit::Bool(*b)
            }
            Value::Number(n) => {
                let text = n.to_string();
                let plain = text == "0"
                    || (text
                        .strip_prefix('-')
                        .unwrap_or(&text)
                        .bytes()
                        .next()
                        .is_some_and(|b| (b'1'..=b'9').contains(&b))
                        && text
                            .strip_prefix('-')
                            .unwrap_or(&text)
                            .bytes()
                            .all(|b| b.is_ascii_digit())
                        && text.parse::<i64>().is_ok());
                if !plain {
                    return Err(Declined::Unsupported("number other than a plain integer"));
                }
                if self.strict && ty.is_some_and(|t| t != XSD_INTEGER) {
                    return Err(Declined::Unsupported("integer with a datatype"));
                }
                if ty == Some("http://www.w3.org/2001/XMLSchema#double") {
                    return Err(Declined::Unsupported("integer as xsd:double"));
                }
                Lit::Int(Rc::from(text))
            }
            _ => return Err(Declined::Invalid("invalid value object value")),
        })
    }

    fn check_language(&self, tag: &str) -> Result<(), Declined> {
        let ok = if self.strict {
            is_plain_language_tag(tag)
        } else {
            is_language_tag(tag)
        };
        if ok {
            Ok(())
        } else {
            Err(Declined::Unsupported(
                "language tag outside the plain subset",
            ))
        }
    }

    /// An `@id` (or `@type: @id` / `@vocab`) value: IRI-expanded, absolute or a blank node.
    fn id_value<'a>(
        &self,
        active: &ActiveContext,
        value: &'a str,
        vocab: bool,
    ) -> Result<S<'a>, Declined> {
        let (s, checked) = match active.expand_iri(value, true, vocab) {
            Expanded::Same => (S::B(value), false),
            Expanded::SameIri => (S::B(value), true),
            Expanded::Term(i) => (S::R(i), true),
            Expanded::Iri(i) => (S::R(i), false),
            Expanded::Null | Expanded::Keyword(_) => {
                return Err(Declined::Unsupported("keyword-like or keyword @id"));
            }
        };
        self.check_id(&s, checked)?;
        Ok(s)
    }

    /// Checks an identifier: a blank node identifier (allowed outside ssi-compatible mode),
    /// or an absolute IRI (`checked`: already known to be one, or a term's blank node).
    fn check_id(&self, s: &str, checked: bool) -> Result<(), Declined> {
        if let Some(label) = s.strip_prefix("_:") {
            if self.strict {
                return Err(Declined::Unsupported("explicit blank node identifier"));
            }
            if !iri::is_simple_blank_label(label) {
                return Err(Declined::Unsupported(
                    "blank node label outside the simple subset",
                ));
            }
            return Ok(());
        }
        if checked || iri::is_absolute_iri(s) {
            Ok(())
        } else {
            Err(Declined::Unsupported("relative or invalid IRI"))
        }
    }

    #[allow(clippy::too_many_lines)]
    fn map<'a>(
        &mut self,
        entry_context: &Rc<ActiveContext>,
        prop: Option<&'a str>,
        element: &'a Map<String, Value>,
        from_map: bool,
        scoped: Option<super::context::Scoped>,
        skip: Option<&str>,
    ) -> Result<Out<'a>, Declined> {
        let mut active = entry_context.clone();
        let mut keys = KeyExpansions {
            context: 0,
            items: self.spare.pop().unwrap_or_default(),
        };
        // 7: a type-scoped context does not propagate to new node objects.
        if let Some(previous) = &active.previous
            && !from_map
        {
            let mut has_value = false;
            let mut only_id = false;
            for (e, _) in keys.under(&active, element) {
                match e {
                    Expanded::Keyword(Kw::Value) => has_value = true,
                    Expanded::Keyword(Kw::Id) if element.len() == 1 => only_id = true,
                    _ => {}
                }
            }
            if !has_value && !only_id {
                active = previous.clone();
            }
        }
        // 8: property-scoped context.
        if let Some(s) = &scoped {
            active = self.proc.apply_scoped(&active, s, true, true)?;
        }
        // 9: embedded context.
        if let Some(ctx) = element.get("@context") {
            if self.strict {
                let urls_only = match ctx {
                    Value::String(_) => true,
                    Value::Array(a) => a.iter().all(Value::is_string),
                    _ => false,
                };
                if !urls_only {
                    return Err(Declined::Unsupported("embedded (inline) context"));
                }
            }
            let base = self.base.clone();
            active = self.proc.process(
                &active,
                ctx,
                base.as_ref(),
                &mut Vec::new(),
                false,
                true,
                true,
            )?;
        }
        // 10-11: type-scoped contexts, in lexicographic order of key and of value.
        let type_scoped = active.clone();
        let mut type_keys: SmallVec<[(&'a str, &'a Value); 2]> = element
            .iter()
            .zip(keys.under(&type_scoped, element))
            .filter(|(_, (e, _))| *e == Expanded::Keyword(Kw::Type))
            .map(|((k, v), _)| (k.as_str(), v))
            .collect();
        type_keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, v) in &type_keys {
            let mut terms: SmallVec<[&str; 4]> = match v {
                Value::String(s) => smallvec::smallvec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => SmallVec::new(),
            };
            terms.sort_unstable();
            for t in terms {
                if let Some(ctx) = type_scoped.term(t).and_then(|d| d.context.clone()) {
                    active = self.proc.apply_scoped(&active, &ctx, false, false)?;
                }
            }
        }
        // 12: input type (only its being @json matters here).
        if let Some((_, v)) = type_keys.first() {
            let last = match v {
                Value::Array(a) => a.last(),
                one => Some(*one),
            };
            if let Some(Value::String(t)) = last
                && active.expand_iri(t, true, true) == Expanded::Keyword(Kw::Json)
            {
                return Err(Declined::Unsupported("@json value object"));
            }
        }
        let mut r = Building {
            id: None,
            types: None,
            type_was_array: false,
            value: None,
            language: None,
            index: false,
            list: None,
            set: None,
            graph: None,
            props: Vec::new(),
            empty_props: false,
            seen: 0,
        };
        let mut expansions = std::mem::take(keys.under(&active, element));
        for ((key, value), (expanded, def)) in element.iter().zip(expansions.drain(..)) {
            if key == "@context" || skip == Some(key.as_str()) {
                continue;
            }
            // 1: a term's mapping, 2: checked as given; otherwise still to check.
            let expanded_kind = match &expanded {
                Expanded::Term(_) => 1,
                Expanded::SameIri => 2,
                _ => 0,
            };
            let property: S<'a> = match expanded {
                Expanded::Null => {
                    if self.strict {
                        return Err(Declined::Unsupported("key expanding to null"));
                    }
                    continue;
                }
                Expanded::Keyword(k) => {
                    self.keyword(&active, &type_scoped, prop, k, value, &mut r)?;
                    continue;
                }
                Expanded::Same => S::B(key.as_str()),
                Expanded::SameIri => S::B(key.as_str()),
                Expanded::Term(i) => S::R(i),
                Expanded::Iri(i) => S::R(i),
            };
            if !property.contains(':') {
                if self.strict {
                    return Err(Declined::Invalid("undefined term"));
                }
                continue;
            }
            if iri::is_blank(&property) {
                return Err(Declined::Unsupported("blank node property"));
            }
            if !matches!(expanded_kind, 1 | 2) && !iri::is_absolute_iri(&property) {
                return Err(Declined::Unsupported("property is not an absolute IRI"));
            }
            let container = def.as_ref().map_or(0, |d| d.container);
            if def
                .as_ref()
                .is_some_and(|d| d.type_mapping == Some(TypeMapping::Json))
            {
                return Err(Declined::Unsupported("@json property"));
            }
            let out = if container & C_LANGUAGE != 0
                && let Value::Object(lmap) = value
            {
                Out::Many(self.language_map(&active, lmap)?)
            } else {
                match self.element(&active, Some(key.as_str()), def.as_ref(), value, false)? {
                    Out::Null => continue,
                    out => out,
                }
            };
            if container & C_LIST != 0 {
                let list = match out {
                    Out::One(list @ Item::List(_)) => list,
                    _ if self.strict => return Err(Declined::Unsupported("list")),
                    other => Item::List(other.into_vec()),
                };
                r.props.push((property, list));
            } else if container & C_GRAPH != 0 {
                let items = out.into_vec();
                r.empty_props |= items.is_empty();
                for ev in items {
                    let graph = Item::Node(Node {
                        graph: Some(vec![ev]),
                        ..Node::default()
                    });
                    r.props.push((property.clone(), graph));
                }
            } else {
                match out {
                    Out::Null => {}
                    Out::One(item) => r.props.push((property, item)),
                    Out::Many(items) => {
                        r.empty_props |= items.is_empty();
                        r.props
                            .extend(items.into_iter().map(|i| (property.clone(), i)));
                    }
                }
            }
        }
        self.spare.push(expansions);
        self.finish(prop, r)
    }

    fn language_map<'a>(
        &mut self,
        active: &ActiveContext,
        lmap: &'a Map<String, Value>,
    ) -> Result<Vec<Item<'a>>, Declined> {
        let mut out = Vec::with_capacity(lmap.len());
        for (language, lv) in lmap {
            let items: &[Value] = match lv {
                Value::Array(a) => a,
                one => std::slice::from_ref(one),
            };
            let none = language == "@none"
                || active.expand_iri(language, false, true) == Expanded::Keyword(Kw::None);
            if !none {
                self.check_language(language)?;
            }
            for item in items {
                match item {
                    Value::Null => {}
                    Value::String(s) => out.push(Item::Value(Val {
                        lit: Lit::Str(s),
                        ty: None,
                        lang: if none { None } else { Some(S::B(language)) },
                    })),
                    _ => return Err(Declined::Invalid("invalid language map value")),
                }
            }
        }
        Ok(out)
    }

    fn keyword<'a>(
        &mut self,
        active: &Rc<ActiveContext>,
        type_scoped: &Rc<ActiveContext>,
        prop: Option<&'a str>,
        k: Kw,
        value: &'a Value,
        r: &mut Building<'a>,
    ) -> Result<(), Declined> {
        if k != Kw::Type {
            if r.seen & kw_bit(k) != 0 {
                return Err(Declined::Invalid("colliding keywords"));
            }
            r.seen |= kw_bit(k);
        }
        match k {
            Kw::Id => {
                let s = value
                    .as_str()
                    .ok_or(Declined::Invalid("invalid @id value"))?;
                r.id = Some(self.id_value(active, s, false)?);
            }
            Kw::Type => {
                let (values, was_array): (SmallVec<[&'a str; 4]>, bool) = match value {
                    Value::String(s) => (smallvec::smallvec![s.as_str()], false),
                    Value::Array(a) => (
                        a.iter()
                            .map(|v| v.as_str().ok_or(Declined::Invalid("invalid type value")))
                            .collect::<Result<_, _>>()?,
                        true,
                    ),
                    _ => return Err(Declined::Invalid("invalid type value")),
                };
                let types = r.types.get_or_insert_with(Vec::new);
                r.type_was_array |= was_array || !types.is_empty();
                for t in values {
                    let (s, checked) = match type_scoped.expand_iri(t, true, true) {
                        Expanded::Same => (S::B(t), false),
                        Expanded::SameIri => (S::B(t), true),
                        Expanded::Term(i) => (S::R(i), true),
                        Expanded::Iri(i) => (S::R(i), false),
                        Expanded::Keyword(Kw::Json) => {
                            return Err(Declined::Unsupported("@json value object"));
                        }
                        Expanded::Null | Expanded::Keyword(_) => {
                            return Err(Declined::Unsupported("keyword-like or keyword type"));
                        }
                    };
                    self.check_id(&s, checked)?;
                    types.push(s);
                }
            }
            Kw::Graph => {
                let out = self.element(active, Some("@graph"), None, value, false)?;
                r.graph = Some(out.into_vec());
            }
            Kw::Value => {
                r.value = Some(match value {
                    Value::Null => None,
                    Value::Array(_) | Value::Object(_) => {
                        return Err(Declined::Invalid("invalid value object value"));
                    }
                    v => Some(v),
                });
            }
            Kw::Language => {
                let s = value
                    .as_str()
                    .ok_or(Declined::Invalid("invalid language-tagged string"))?;
                r.language = Some(S::B(s));
            }
            Kw::Index => {
                if !value.is_string() {
                    return Err(Declined::Invalid("invalid @index value"));
                }
                r.index = true;
            }
            Kw::List => {
                if self.strict {
                    return Err(Declined::Unsupported("list"));
                }
                if prop.is_none() || prop == Some("@graph") {
                    return Ok(());
                }
                let items: &[Value] = match value {
                    Value::Array(a) => a,
                    one => std::slice::from_ref(one),
                };
                if items.iter().any(Value::is_array) {
                    return Err(Declined::Unsupported("list of lists"));
                }
                let def = prop.and_then(|p| active.terms.get(p)).cloned();
                let out = self.element(active, prop, def.as_ref(), value, false)?;
                r.list = Some(out.into_vec());
            }
            Kw::Set => {
                let def = prop.and_then(|p| active.terms.get(p)).cloned();
                r.set = Some(self.element(active, prop, def.as_ref(), value, false)?);
            }
            _ => {
                return Err(Declined::Unsupported(
                    "@included, @reverse, @nest, @direction or another keyword as a key",
                ));
            }
        }
        Ok(())
    }

    fn finish<'a>(&mut self, prop: Option<&'a str>, r: Building<'a>) -> Result<Out<'a>, Declined> {
        let free_floating_ctx = prop.is_none() || prop == Some("@graph");
        let no_props = r.no_props();
        if let Some(value) = r.value {
            if r.id.is_some()
                || r.graph.is_some()
                || r.list.is_some()
                || r.set.is_some()
                || !no_props
            {
                return Err(Declined::Invalid("invalid value object"));
            }
            if r.types.is_some() && r.language.is_some() {
                return Err(Declined::Invalid(
                    "invalid value object (@type with @language)",
                ));
            }
            let Some(value) = value else {
                return Ok(Out::Null);
            };
            if r.language.is_some() && !value.is_string() {
                return Err(Declined::Invalid("invalid language-tagged value"));
            }
            let ty = match r.types {
                None => None,
                Some(mut t) => {
                    if r.type_was_array || t.len() != 1 {
                        return Err(Declined::Invalid("invalid typed value"));
                    }
                    let t = t.remove(0);
                    if iri::is_blank(&t) {
                        return Err(Declined::Invalid("invalid typed value"));
                    }
                    Some(t)
                }
            };
            if let Some(l) = &r.language {
                self.check_language(l)?;
            }
            let lit = self.literal(value, ty.as_deref())?;
            if free_floating_ctx {
                return Ok(Out::Null);
            }
            return Ok(Out::One(Item::Value(Val {
                lit,
                ty,
                lang: r.language,
            })));
        }
        if let Some(list) = r.list {
            if r.id.is_some()
                || r.types.is_some()
                || r.graph.is_some()
                || r.set.is_some()
                || r.language.is_some()
                || !no_props
            {
                return Err(Declined::Invalid("invalid set or list object"));
            }
            if free_floating_ctx {
                return Ok(Out::Null);
            }
            return Ok(Out::One(Item::List(list)));
        }
        if let Some(set) = r.set {
            if r.id.is_some()
                || r.types.is_some()
                || r.graph.is_some()
                || r.language.is_some()
                || !no_props
            {
                return Err(Declined::Invalid("invalid set or list object"));
            }
            return Ok(set);
        }
        if r.language.is_some() {
            if r.id.is_none() && r.types.is_none() && r.graph.is_none() && no_props {
                return Ok(Out::Null);
            }
            return Err(Declined::Unsupported("@language in a node object"));
        }
        let node = Node {
            id: r.id,
            types: r.types.unwrap_or_default(),
            props: r.props,
            empty_props: r.empty_props,
            graph: r.graph,
        };
        if free_floating_ctx
            && node.types.is_empty()
            && node.props.is_empty()
            && !node.empty_props
            && node.graph.is_none()
        {
            // Empty, or only @id (or @index): dropped.
            return Ok(Out::Null);
        }
        Ok(Out::One(Item::Node(node)))
    }
}

/// The IRI expansion of every key of a map (and the key's term definition) under one active
/// context, computed once per context (a map is looked at under at most three).
struct KeyExpansions {
    context: u64,
    items: KeyList,
}

impl KeyExpansions {
    fn under(&mut self, ctx: &ActiveContext, element: &Map<String, Value>) -> &mut KeyList {
        if self.context != ctx.id || self.items.len() != element.len() {
            self.context = ctx.id;
            self.items.clear();
            self.items
                .extend(element.keys().map(|k| expand_key(ctx, k)));
        }
        &mut self.items
    }
}

/// IRI expansion of a key (vocabulary-relative), with one term lookup.
fn expand_key(ctx: &ActiveContext, key: &str) -> (Expanded, Option<Rc<TermDef>>) {
    if let Some(k) = Kw::parse(key) {
        return (Expanded::Keyword(k), None);
    }
    if iri::has_keyword_form(key) {
        return (Expanded::Null, None);
    }
    match ctx.terms.get(key) {
        Some(def) => {
            let e = match &def.iri {
                Mapping::Null => Expanded::Null,
                Mapping::Keyword(k) => Expanded::Keyword(*k),
                Mapping::Iri(i) => Expanded::Term(i.clone()),
            };
            (e, Some(def.clone()))
        }
        None => (ctx.expand_iri(key, false, true), None),
    }
}
