//! JSON-LD 1.1 expansion (JSON-LD 1.1 Processing Algorithms §5.1.2, §5.3.2) for the subset the
//! fast path covers (see [`super::context`]), fused with the deserialization to RDF (§8.4): each
//! node object's statements are emitted into the [`Emitter`] as the node is expanded, and an
//! expanded element is known to its parent only by the terms it stands for. No expanded tree is
//! built. Unsupported features and anything the algorithm calls an error make it decline.

use std::rc::Rc;

use serde_json::{Map, Value};
use smallvec::SmallVec;

use super::Declined;
use super::context::{
    ActiveContext, C_GRAPH, C_LANGUAGE, C_LIST, Direction, Expanded, Kw, Mapping, Processor,
    TermDef, TypeMapping,
};
use super::iri;
use super::rdf::{Emitter, Term, XSD_BOOLEAN, XSD_INTEGER, XSD_STRING};
use super::str::S;
use crate::member::Member;

/// An expanded scalar: its lexical form and its default datatype.
enum Lit<'a> {
    Str(&'a str),
    Bool(bool),
    /// An integer, in canonical lexical form.
    Int(String),
}

impl Lit<'_> {
    fn lexical(&self) -> &str {
        match self {
            Lit::Str(s) => s,
            Lit::Bool(true) => "true",
            Lit::Bool(false) => "false",
            Lit::Int(i) => i,
        }
    }

    fn default_type(&self) -> &'static str {
        match self {
            Lit::Str(_) => XSD_STRING,
            Lit::Bool(_) => XSD_BOOLEAN,
            Lit::Int(_) => XSD_INTEGER,
        }
    }
}

/// How the top-level object of a document is read: as if some members were absent, or with
/// another `@context` (a proof's configuration is canonicalized with its document's context).
#[derive(Debug, Clone, Copy, Default)]
pub struct TopLevel<'v> {
    /// Members left out.
    pub skip: &'v [&'v str],
    /// `Some`: the `@context` used instead of the object's own (`Some(None)`: none at all).
    pub context: Option<Option<&'v Value>>,
}

/// What an expanded item stands for in RDF (its statements, and those of the nodes nested in
/// it, are already emitted).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Obj {
    /// A node object: its subject.
    Node(Term),
    /// A value object: its literal.
    Value(Term),
    /// A list object: its head (a blank node, or `rdf:nil`).
    List(Term),
}

impl Obj {
    fn term(self) -> Term {
        match self {
            Obj::Node(t) | Obj::Value(t) | Obj::List(t) => t,
        }
    }
}

/// The items one element expanded to.
type Objs = SmallVec<[Obj; 4]>;

/// The result of expanding one element.
pub(crate) enum Out {
    Null,
    One(Obj),
    Many(Objs),
}

impl Out {
    fn into_objs(self) -> Objs {
        match self {
            Out::Null => Objs::new(),
            Out::One(o) => smallvec::smallvec![o],
            Out::Many(v) => v,
        }
    }
}

/// Whether a language tag is in the form both paths write the same way: the BCP 47 shape of
/// [`is_language_tag`], in lower case.
pub(crate) fn is_lower_case_language_tag(tag: &str) -> bool {
    is_language_tag(tag) && !tag.bytes().any(|b| b.is_ascii_uppercase())
}

/// Whether a language tag has the BCP 47 shape that jsonld.js accepts (`[a-zA-Z]{1,8}` then
/// `-[a-zA-Z0-9]{1,8}` subtags; its safe mode refuses any other tag).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (1..=8).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The expansion algorithm, over one document, emitting its quads.
pub(crate) struct Expander<'p, 's> {
    pub(crate) proc: &'p mut Processor<'s>,
    /// ssi-compatible mode (see [`super::jsonld`]).
    pub(crate) strict: bool,
    /// The document's base IRI (for embedded contexts).
    pub(crate) base: Option<Rc<str>>,
    /// Where the quads go.
    pub(crate) em: Emitter,
    /// The graph the node objects being expanded are in (`None`: the default graph).
    graph: Option<Term>,
    /// Emptied key-expansion lists, reused by the next map (a document has a few dozen maps).
    spare: Vec<KeyList>,
    /// Strings with a base direction become `i18n-datatype` literals (JSON-LD 1.1 toRdf with
    /// `rdfDirection: i18n-datatype`, as the Data Integrity cryptosuites of the reference JS
    /// stack do); otherwise a base direction declines.
    pub(crate) i18n_direction: bool,
}

/// The expansion of each key of a map and the key's term definition.
type KeyList = Vec<(Expanded, Option<Rc<TermDef>>)>;

/// What a JSON object turns out to be, from the keywords among its keys (JSON-LD 1.1
/// expansion §5.1.2 steps 15-19, decided before its entries are expanded, so that a node
/// object's statements can be emitted as they are found).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Value,
    List,
    Set,
    Node,
}

/// The state of the JSON object being expanded.
struct Building<'a> {
    kind: Kind,
    /// A node object's subject.
    subject: Term,
    id: bool,
    /// A value object's `@type` values.
    types: SmallVec<[S<'a>; 1]>,
    /// Whether the object has `@type` (a node object's types are emitted at once).
    has_types: bool,
    /// How many types a node object has.
    node_types: usize,
    type_was_array: bool,
    value: Option<Option<&'a Value>>,
    language: Option<&'a str>,
    /// `Some(None)`: `@direction: null`.
    direction: Option<Option<Direction>>,
    list: Option<Objs>,
    set: Option<Out>,
    graph: bool,
    /// How many (property, value) pairs the object has.
    props: usize,
    /// Whether the object had a property whose value expanded to an empty array (no pair, but
    /// still an entry of the expanded object).
    empty_props: bool,
    seen: u32,
}

impl Building<'_> {
    /// Whether the object being built has no property entry at all.
    fn no_props(&self) -> bool {
        self.props == 0 && !self.empty_props
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
            em: Emitter::new(strict),
            graph: None,
            spare: Vec::new(),
            i18n_direction: strict,
        }
    }

    /// Expands a whole document (the `expand()` API entry) and emits its quads; a lone
    /// top-level `@graph` is the default graph. `top` says how a top-level object is read.
    pub(crate) fn expand_document(
        &mut self,
        active: &Rc<ActiveContext>,
        document: &Value,
        top: TopLevel<'_>,
    ) -> Result<(), Declined> {
        match document {
            Value::Object(map) => {
                let first = self.em.data.quads.len();
                let mut lone_graph = None;
                self.map(active, None, map, false, None, top, Some(&mut lone_graph))?;
                if let Some(name) = lone_graph {
                    for q in &mut self.em.data.quads[first..] {
                        if q.g == Some(name) {
                            q.g = None;
                        }
                    }
                }
            }
            _ => {
                self.element(active, None, None, document, false)?;
            }
        }
        Ok(())
    }

    /// Expansion of one element (§5.1.2); `def` is the active property's term definition in
    /// `active` (looked up once by the caller).
    fn element(
        &mut self,
        active: &Rc<ActiveContext>,
        prop: Option<&str>,
        def: Option<&Rc<TermDef>>,
        element: &Value,
        from_map: bool,
    ) -> Result<Out, Declined> {
        match element {
            Value::Null => Ok(Out::Null),
            Value::Array(items) => {
                let list_container = def.is_some_and(|d| d.container & C_LIST != 0);
                let mut result = Objs::with_capacity(items.len());
                for item in items {
                    match self.element(active, prop, def, item, from_map)? {
                        Out::Null => {}
                        Out::One(i) => result.push(i),
                        Out::Many(v) => {
                            if list_container {
                                // A nested array of a list is a list (§5.1.2 step 5.2.2).
                                result.push(Obj::List(self.list(&v)));
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
                self.map(
                    active,
                    prop,
                    map,
                    from_map,
                    scoped,
                    TopLevel::default(),
                    None,
                )
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

    /// The quads of a list of items in the current graph; its head.
    fn list(&mut self, items: &[Obj]) -> Term {
        let terms: SmallVec<[Term; 8]> = items.iter().map(|o| o.term()).collect();
        self.em.list(&terms, self.graph)
    }

    /// Value expansion (§5.3.2).
    fn value(
        &mut self,
        active: &Rc<ActiveContext>,
        def: Option<&TermDef>,
        value: &Value,
    ) -> Result<Obj, Declined> {
        let tm = def.and_then(|d| d.type_mapping.as_ref());
        if let Value::String(s) = value {
            match tm {
                Some(TypeMapping::Id) => {
                    let id = self.id_value(active, s, false)?;
                    return Ok(Obj::Node(self.em.resource(&id)));
                }
                Some(TypeMapping::Vocab) => {
                    let id = self.id_value(active, s, true)?;
                    return Ok(Obj::Node(self.em.resource(&id)));
                }
                _ => {}
            }
        }
        let ty = match tm {
            Some(TypeMapping::Iri(t)) => Some(&**t),
            Some(TypeMapping::Json) => return Err(Declined::Unsupported("@json literal")),
            _ => None,
        };
        let mut lang: Option<Rc<str>> = None;
        let mut direction = None;
        if value.is_string() && ty.is_none() {
            let l = match def.and_then(|d| d.language.as_ref()) {
                Some(explicit) => explicit.clone(),
                None => active.language.clone(),
            };
            if let Some(l) = l {
                self.check_language(&l)?;
                lang = Some(l);
            }
            direction = match def.and_then(|d| d.direction) {
                Some(explicit) => explicit,
                None => active.direction,
            };
        }
        let lit = self.literal(value, ty)?;
        let datatype = ty.unwrap_or(lit.default_type());
        self.emit_value(lit.lexical(), datatype, lang.as_deref(), direction)
            .map(Obj::Value)
    }

    /// The literal of a value: a string with a base direction is an `i18n-datatype` literal
    /// (`"text"^^<https://www.w3.org/ns/i18n#ar_rtl>`, the language in lower case), anything
    /// else is written as it is (a language-tagged string, or a literal of `datatype`).
    fn emit_value(
        &mut self,
        lexical: &str,
        datatype: &str,
        lang: Option<&str>,
        direction: Option<Direction>,
    ) -> Result<Term, Declined> {
        match direction {
            None => self.em.value(lexical, datatype, lang),
            Some(_) if !self.i18n_direction => Err(Declined::Unsupported(
                "@direction without rdfDirection i18n-datatype",
            )),
            Some(d) => self.em.directed(lexical, lang, d),
        }
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
                // JSON-LD 1.1 Object to RDF Conversion: an integer keeps the canonical lexical
                // form of xsd:integer under any datatype but xsd:double (VC 2.0's context types
                // `statusSize` as `https://www.w3.org/2001/XMLSchema#integer`; ssi and jsonld.js
                // write `"2"^^<https://…#integer>` too).
                if ty == Some("http://www.w3.org/2001/XMLSchema#double") {
                    return Err(Declined::Unsupported("integer as xsd:double"));
                }
                Lit::Int(text)
            }
            _ => return Err(Declined::Invalid("invalid value object value")),
        })
    }

    fn check_language(&self, tag: &str) -> Result<(), Declined> {
        if is_language_tag(tag) {
            Ok(())
        } else {
            Err(Declined::Invalid("invalid language tag"))
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

    /// Expansion of a JSON object (§5.1.2 steps 7-20). `lone_graph`, for the document's top
    /// level: set to the graph name when the object is nothing but a `@graph`.
    #[allow(clippy::too_many_lines, clippy::too_many_arguments)]
    fn map(
        &mut self,
        entry_context: &Rc<ActiveContext>,
        prop: Option<&str>,
        element: &Map<String, Value>,
        from_map: bool,
        scoped: Option<super::context::Scoped>,
        top: TopLevel<'_>,
        lone_graph: Option<&mut Option<Term>>,
    ) -> Result<Out, Declined> {
        let mut active = entry_context.clone();
        // 7: a type-scoped context does not propagate to new node objects.
        if let Some(previous) = &active.previous
            && !from_map
        {
            let mut has_value = false;
            let mut only_id = false;
            for key in element.keys() {
                match key_keyword(&active, key) {
                    Some(Kw::Value) => has_value = true,
                    Some(Kw::Id) if element.len() == 1 => only_id = true,
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
        let context = match top.context {
            Some(replaced) => replaced,
            None => element.member("@context"),
        };
        if let Some(ctx) = context {
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
        let mut expansions = self.spare.pop().unwrap_or_default();
        expansions.clear();
        expansions.extend(element.keys().map(|k| expand_key(&type_scoped, k)));
        let mut type_keys: SmallVec<[(&str, &Value); 2]> = element
            .iter()
            .zip(&expansions)
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
                && key_keyword(&active, t) == Some(Kw::Json)
            {
                return Err(Declined::Unsupported("@json value object"));
            }
        }
        let free_floating = prop.is_none() || prop == Some("@graph");
        if !Rc::ptr_eq(&active, &type_scoped) {
            // Type-scoped contexts changed the terms: expand the keys again.
            expansions.clear();
            expansions.extend(element.keys().map(|k| expand_key(&active, k)));
        }
        // What the object is, and a node object's subject (from its first @id entry).
        let mut kind = Kind::Node;
        let mut id_entry = None;
        for ((key, value), (e, _)) in element.iter().zip(&expansions) {
            if key == "@context" || top.skip.contains(&key.as_str()) {
                continue;
            }
            match e {
                Expanded::Keyword(Kw::Value) => kind = Kind::Value,
                Expanded::Keyword(Kw::List) if !free_floating && kind != Kind::Value => {
                    kind = Kind::List;
                }
                Expanded::Keyword(Kw::Set) if kind == Kind::Node => kind = Kind::Set,
                Expanded::Keyword(Kw::Id) if id_entry.is_none() => id_entry = Some(value),
                _ => {}
            }
        }
        let subject = match (kind, id_entry) {
            (Kind::Node, Some(value)) => {
                let s = value
                    .as_str()
                    .ok_or(Declined::Invalid("invalid @id value"))?;
                let id = self.id_value(&active, s, false)?;
                self.em.resource(&id)
            }
            _ => Term::Blank(self.em.fresh()),
        };
        let mut r = Building {
            kind,
            subject,
            id: false,
            types: SmallVec::new(),
            has_types: false,
            node_types: 0,
            type_was_array: false,
            value: None,
            language: None,
            direction: None,
            list: None,
            set: None,
            graph: false,
            props: 0,
            empty_props: false,
            seen: 0,
        };
        for ((key, value), (expanded, def)) in element.iter().zip(expansions.drain(..)) {
            if key == "@context" || top.skip.contains(&key.as_str()) {
                continue;
            }
            // 1: a term's mapping, 2: checked as given; otherwise still to check.
            let expanded_kind = match &expanded {
                Expanded::Term(_) => 1,
                Expanded::SameIri => 2,
                _ => 0,
            };
            let property: S<'_> = match expanded {
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
            if container & C_GRAPH != 0 && container & C_LIST == 0 {
                self.graph_property(&active, key, def.as_ref(), value, &property, &mut r)?;
                continue;
            }
            let out = if container & C_LANGUAGE != 0
                && let Value::Object(lmap) = value
            {
                Out::Many(self.language_map(&active, def.as_deref(), lmap)?)
            } else {
                match self.element(&active, Some(key.as_str()), def.as_ref(), value, false)? {
                    Out::Null => continue,
                    out => out,
                }
            };
            if container & C_LIST != 0 {
                let head = match out {
                    Out::One(Obj::List(head)) => head,
                    other => self.list(&other.into_objs()),
                };
                self.property(&mut r, &property, &[Obj::List(head)]);
            } else {
                match out {
                    Out::Null => {}
                    Out::One(item) => self.property(&mut r, &property, &[item]),
                    Out::Many(items) => {
                        r.empty_props |= items.is_empty();
                        self.property(&mut r, &property, &items);
                    }
                }
            }
        }
        self.spare.push(expansions);
        if let Some(lone) = lone_graph
            && r.kind == Kind::Node
            && !r.id
            && r.node_types == 0
            && r.no_props()
            && r.graph
        {
            *lone = Some(r.subject);
        }
        self.finish(free_floating, r)
    }

    /// The (property, value) pairs of one property: quads of a node object; counted only in
    /// any other object (which is then invalid).
    fn property(&mut self, r: &mut Building<'_>, property: &str, items: &[Obj]) {
        r.props += items.len();
        if r.kind != Kind::Node || items.is_empty() {
            return;
        }
        let p = self.em.predicate(property);
        for item in items {
            self.em.quad(r.subject, p, item.term(), self.graph);
        }
    }

    /// A property with a `@graph` container: each of its values is a node in a graph of its
    /// own, named by a new blank node, and the property's objects are these graph names.
    fn graph_property(
        &mut self,
        active: &Rc<ActiveContext>,
        key: &str,
        def: Option<&Rc<TermDef>>,
        value: &Value,
        property: &str,
        r: &mut Building<'_>,
    ) -> Result<(), Declined> {
        let (values, array): (&[Value], bool) = match value {
            Value::Array(a) => (a, true),
            one => (std::slice::from_ref(one), false),
        };
        let outer = self.graph;
        let mut names = Objs::new();
        for v in values {
            let name = Term::Blank(self.em.fresh());
            self.graph = Some(name);
            let out = self.element(active, Some(key), def, v, false);
            self.graph = outer;
            match out? {
                Out::Null => {}
                Out::One(_) => names.push(Obj::Node(name)),
                Out::Many(items) => match items.len() {
                    0 => {}
                    1 => names.push(Obj::Node(name)),
                    _ => {
                        return Err(Declined::Unsupported(
                            "several values in one @graph container entry",
                        ));
                    }
                },
            }
        }
        // A single value that expanded to nothing is no entry at all; an array, an empty one.
        r.empty_props |= array && names.is_empty();
        self.property(r, property, &names);
        Ok(())
    }

    fn language_map(
        &mut self,
        active: &ActiveContext,
        def: Option<&TermDef>,
        lmap: &Map<String, Value>,
    ) -> Result<Objs, Declined> {
        let direction = match def.and_then(|d| d.direction) {
            Some(explicit) => explicit,
            None => active.direction,
        };
        let mut out = Objs::with_capacity(lmap.len());
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
                    Value::String(s) => {
                        let lang = if none { None } else { Some(language.as_str()) };
                        out.push(Obj::Value(self.emit_value(s, XSD_STRING, lang, direction)?));
                    }
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
        prop: Option<&str>,
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
                // A node object's subject was made from it already.
                if r.kind != Kind::Node {
                    self.id_value(active, s, false)?;
                }
                r.id = true;
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
                r.type_was_array |= was_array || r.has_types;
                r.has_types = true;
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
                    if r.kind == Kind::Node {
                        let o = self.em.resource(&s);
                        let p = self.em.rdf_type();
                        self.em.quad(r.subject, p, o, self.graph);
                        r.node_types += 1;
                    } else {
                        r.types.push(s);
                    }
                }
            }
            Kw::Graph => {
                let outer = self.graph;
                if r.kind == Kind::Node {
                    self.graph = Some(r.subject);
                }
                let out = self.element(active, Some("@graph"), None, value, false);
                self.graph = outer;
                out?;
                r.graph = true;
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
                r.language = Some(s);
            }
            Kw::Direction => {
                r.direction = Some(Direction::parse(value)?);
            }
            Kw::Index => {
                if !value.is_string() {
                    return Err(Declined::Invalid("invalid @index value"));
                }
            }
            Kw::List => {
                if prop.is_none() || prop == Some("@graph") {
                    return Ok(());
                }
                let def = prop.and_then(|p| active.terms.get(p)).cloned();
                let out = self.element(active, prop, def.as_ref(), value, false)?;
                r.list = Some(out.into_objs());
            }
            Kw::Set => {
                let def = prop.and_then(|p| active.terms.get(p)).cloned();
                r.set = Some(self.element(active, prop, def.as_ref(), value, false)?);
            }
            _ => {
                return Err(Declined::Unsupported(
                    "@included, @reverse, @nest or another keyword as a key",
                ));
            }
        }
        Ok(())
    }

    fn finish(&mut self, free_floating: bool, r: Building<'_>) -> Result<Out, Declined> {
        let no_props = r.no_props();
        match r.kind {
            Kind::Value => {
                let Some(value) = r.value else {
                    return Err(Declined::Invalid("invalid value object"));
                };
                if r.id || r.graph || r.list.is_some() || r.set.is_some() || !no_props {
                    return Err(Declined::Invalid("invalid value object"));
                }
                if r.has_types && (r.language.is_some() || r.direction.is_some()) {
                    return Err(Declined::Invalid(
                        "invalid value object (@type with @language or @direction)",
                    ));
                }
                let Some(value) = value else {
                    return Ok(Out::Null);
                };
                if (r.language.is_some() || r.direction.is_some()) && !value.is_string() {
                    return Err(Declined::Invalid("invalid language-tagged value"));
                }
                let ty = if r.has_types {
                    if r.type_was_array || r.types.len() != 1 {
                        return Err(Declined::Invalid("invalid typed value"));
                    }
                    let t = &r.types[0];
                    if iri::is_blank(t) {
                        return Err(Declined::Invalid("invalid typed value"));
                    }
                    Some(&**t)
                } else {
                    None
                };
                if let Some(l) = r.language {
                    self.check_language(l)?;
                }
                let lit = self.literal(value, ty)?;
                if free_floating {
                    return Ok(Out::Null);
                }
                let datatype = ty.unwrap_or(lit.default_type());
                Ok(Out::One(Obj::Value(self.emit_value(
                    lit.lexical(),
                    datatype,
                    r.language,
                    r.direction.flatten(),
                )?)))
            }
            Kind::List => {
                let Some(list) = r.list else {
                    return Err(Declined::Invalid("invalid list object"));
                };
                if r.id
                    || r.has_types
                    || r.graph
                    || r.set.is_some()
                    || r.language.is_some()
                    || r.direction.is_some()
                {
                    return Err(Declined::Invalid("invalid set or list object"));
                }
                if !no_props {
                    return Err(Declined::Invalid("invalid set or list object"));
                }
                Ok(Out::One(Obj::List(self.list(&list))))
            }
            Kind::Set => {
                let Some(set) = r.set else {
                    return Err(Declined::Invalid("invalid set object"));
                };
                if r.id
                    || r.has_types
                    || r.graph
                    || r.language.is_some()
                    || r.direction.is_some()
                    || !no_props
                {
                    return Err(Declined::Invalid("invalid set or list object"));
                }
                Ok(set)
            }
            Kind::Node => {
                if r.direction.is_some() {
                    return Err(Declined::Unsupported("@direction in a node object"));
                }
                if r.language.is_some() {
                    if !r.id && !r.has_types && !r.graph && no_props {
                        return Ok(Out::Null);
                    }
                    return Err(Declined::Unsupported("@language in a node object"));
                }
                if free_floating && r.node_types == 0 && no_props && !r.graph {
                    // Empty, or only @id (or @index): dropped.
                    return Ok(Out::Null);
                }
                Ok(Out::One(Obj::Node(r.subject)))
            }
        }
    }
}

/// The keyword `key` expands to under `ctx`, if it expands to one: what [`expand_key`] and
/// [`ActiveContext::expand_iri`] give as `Expanded::Keyword`, without the rest of the work.
fn key_keyword(ctx: &ActiveContext, key: &str) -> Option<Kw> {
    if let Some(k) = Kw::parse(key) {
        return Some(k);
    }
    if iri::has_keyword_form(key) {
        return None;
    }
    match ctx.term(key).map(|d| &d.iri) {
        Some(Mapping::Keyword(k)) => Some(*k),
        _ => None,
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
