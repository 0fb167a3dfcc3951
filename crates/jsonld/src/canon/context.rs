//! JSON-LD 1.1 context processing (JSON-LD 1.1 Processing Algorithms §4.1 and §4.2) for the
//! fast path, with a per-thread cache: each bundled context is processed once per thread and
//! the active context that results is shared by every later document.
//!
//! Supported: `@version`, `@protected`, `@propagate`, `@vocab` (absolute IRI), `@language`,
//! `@direction`, remote contexts by URL (from a [`ContextSource`], never the network), term
//! definitions with `@id`, `@type`, `@container` (`@set`, `@list`, `@language`, `@graph`),
//! `@language`, `@direction`, `@prefix`, `@protected` and scoped `@context`. Anything else
//! (`@import`, `@base`, `@reverse`, `@nest`, `@index`, `@id`/`@type`/`@index` maps, ...) makes
//! the fast path decline, and the general path (ssi) takes over.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use super::Declined;
use super::iri;
use super::str::FxBuild;
use smallvec::SmallVec;

/// Where the fast path finds the text of a remote context: never the network.
pub trait ContextSource {
    /// The document served for `url` (a JSON object with an `@context` entry), if any.
    fn context_text(&self, url: &str) -> Option<&str>;

    /// A value that changes whenever what this source serves changes (and is never reused
    /// for other contents), if the source has one: it lets the cache of processed contexts
    /// skip comparing the context texts. `None` (the default): texts are always compared.
    fn generation(&self) -> Option<u64> {
        None
    }
}

impl ContextSource for crate::contexts::ContextLoader {
    fn context_text(&self, url: &str) -> Option<&str> {
        self.source(url)
    }

    fn generation(&self) -> Option<u64> {
        Some(crate::contexts::ContextLoader::generation(self))
    }
}

/// The JSON-LD keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    Base,
    Container,
    Context,
    Direction,
    Graph,
    Id,
    Import,
    Included,
    Index,
    Json,
    Language,
    List,
    Nest,
    None,
    Prefix,
    Propagate,
    Protected,
    Reverse,
    Set,
    Type,
    Value,
    Version,
    Vocab,
}

impl Kw {
    pub(crate) fn parse(s: &str) -> Option<Kw> {
        if !s.starts_with('@') {
            return None;
        }
        Some(match s {
            "@base" => Kw::Base,
            "@container" => Kw::Container,
            "@context" => Kw::Context,
            "@direction" => Kw::Direction,
            "@graph" => Kw::Graph,
            "@id" => Kw::Id,
            "@import" => Kw::Import,
            "@included" => Kw::Included,
            "@index" => Kw::Index,
            "@json" => Kw::Json,
            "@language" => Kw::Language,
            "@list" => Kw::List,
            "@nest" => Kw::Nest,
            "@none" => Kw::None,
            "@prefix" => Kw::Prefix,
            "@propagate" => Kw::Propagate,
            "@protected" => Kw::Protected,
            "@reverse" => Kw::Reverse,
            "@set" => Kw::Set,
            "@type" => Kw::Type,
            "@value" => Kw::Value,
            "@version" => Kw::Version,
            "@vocab" => Kw::Vocab,
            _ => return None,
        })
    }
}

/// What a term (or an IRI expansion) maps to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mapping {
    /// Explicitly `null`: the term is not expanded (its values are dropped).
    Null,
    /// A keyword alias.
    Keyword(Kw),
    /// An absolute IRI or a blank node identifier (`_:` prefix).
    Iri(Rc<str>),
}

/// A term's type mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeMapping {
    Id,
    Vocab,
    Json,
    None,
    Iri(Rc<str>),
}

/// Container flags.
pub(crate) const C_SET: u8 = 1;
pub(crate) const C_LIST: u8 = 2;
pub(crate) const C_LANGUAGE: u8 = 4;
pub(crate) const C_GRAPH: u8 = 8;

/// A scoped (`@context` of a term definition) context, kept unprocessed.
#[derive(Debug, Clone)]
pub(crate) struct Scoped {
    pub(crate) value: Rc<Value>,
    pub(crate) base: Option<Rc<str>>,
}

impl PartialEq for Scoped {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base
            && (Rc::ptr_eq(&self.value, &other.value) || self.value == other.value)
    }
}

/// A term definition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TermDef {
    pub(crate) iri: Mapping,
    pub(crate) prefix: bool,
    pub(crate) protected: bool,
    pub(crate) type_mapping: Option<TypeMapping>,
    pub(crate) container: u8,
    /// `Some(None)`: explicitly no language.
    pub(crate) language: Option<Option<Rc<str>>>,
    /// `Some(None)`: explicitly no base direction.
    pub(crate) direction: Option<Option<Direction>>,
    pub(crate) context: Option<Scoped>,
}

/// A base direction (`@direction`) of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// `ltr`.
    Ltr,
    /// `rtl`.
    Rtl,
}

impl Direction {
    /// The direction a JSON-LD `@direction` value names: `Ok(None)` for `null`.
    pub(crate) fn parse(value: &Value) -> Result<Option<Self>, Declined> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) if s == "ltr" => Ok(Some(Direction::Ltr)),
            Value::String(s) if s == "rtl" => Ok(Some(Direction::Rtl)),
            _ => Err(Declined::Invalid("invalid base direction")),
        }
    }

    /// `ltr` or `rtl`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

impl TermDef {
    fn same_except_protected(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.language == other.language
            && self.direction == other.direction
            && self.context == other.context
    }
}

type Terms = HashMap<Rc<str>, Rc<TermDef>, FxBuild>;

/// A processed (active) context. Immutable once built; identified by a process-unique id that
/// keys the cache.
#[derive(Debug)]
pub(crate) struct ActiveContext {
    pub(crate) id: u64,
    pub(crate) terms: Terms,
    pub(crate) vocab: Option<Rc<str>>,
    pub(crate) language: Option<Rc<str>>,
    /// The default base direction.
    pub(crate) direction: Option<Direction>,
    pub(crate) base: Option<Rc<str>>,
    original_base: Option<Rc<str>>,
    pub(crate) previous: Option<Rc<ActiveContext>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl ActiveContext {
    /// An empty active context with this base IRI.
    pub(crate) fn root(base: Option<Rc<str>>) -> Rc<Self> {
        Rc::new(Self {
            id: next_id(),
            terms: Terms::default(),
            vocab: None,
            language: None,
            direction: None,
            base: base.clone(),
            original_base: base,
            previous: None,
        })
    }

    pub(crate) fn term(&self, key: &str) -> Option<&TermDef> {
        self.terms.get(key).map(|t| &**t)
    }

    fn has_protected(&self) -> bool {
        self.terms.values().any(|t| t.protected)
    }
}

/// The result of an IRI expansion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expanded {
    Null,
    Keyword(Kw),
    /// The value as given, not checked.
    Same,
    /// The value as given, checked to be an absolute IRI.
    SameIri,
    /// A term's IRI mapping (checked when the term was defined: an absolute IRI or a blank
    /// node identifier).
    Term(Rc<str>),
    /// A new string, not checked (prefix + suffix, vocab + value, resolved reference).
    Iri(Rc<str>),
}

impl ActiveContext {
    /// IRI expansion (§5.2.2) outside context processing.
    pub(crate) fn expand_iri(&self, value: &str, doc_relative: bool, vocab: bool) -> Expanded {
        if let Some(k) = Kw::parse(value) {
            return Expanded::Keyword(k);
        }
        if iri::has_keyword_form(value) {
            return Expanded::Null;
        }
        if let Some(def) = self.term(value) {
            if let Mapping::Keyword(k) = def.iri {
                return Expanded::Keyword(k);
            }
            if vocab {
                return match &def.iri {
                    Mapping::Null => Expanded::Null,
                    Mapping::Keyword(k) => Expanded::Keyword(*k),
                    Mapping::Iri(i) => Expanded::Term(i.clone()),
                };
            }
        }
        if let Some(colon) = iri::colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Expanded::Same;
            }
            if let Some(def) = self.term(prefix)
                && def.prefix
                && let Mapping::Iri(p) = &def.iri
            {
                return Expanded::Iri(Rc::from(format!("{p}{suffix}")));
            }
            if iri::is_absolute_iri(value) {
                return Expanded::SameIri;
            }
        }
        if vocab && let Some(v) = &self.vocab {
            return Expanded::Iri(Rc::from(format!("{v}{value}")));
        }
        if doc_relative && let Some(base) = &self.base {
            return Expanded::Iri(Rc::from(iri::resolve(value, base)));
        }
        Expanded::Same
    }
}

/// A context being built: starts as a shared context, copied on the first change.
enum Cur {
    Shared(Rc<ActiveContext>),
    Draft(Box<Draft>),
}

struct Draft {
    terms: Terms,
    vocab: Option<Rc<str>>,
    language: Option<Rc<str>>,
    direction: Option<Direction>,
    base: Option<Rc<str>>,
    original_base: Option<Rc<str>>,
    previous: Option<Rc<ActiveContext>>,
}

impl Cur {
    fn term(&self, key: &str) -> Option<&TermDef> {
        match self {
            Cur::Shared(c) => c.term(key),
            Cur::Draft(d) => d.terms.get(key).map(|t| &**t),
        }
    }

    fn vocab(&self) -> Option<&Rc<str>> {
        match self {
            Cur::Shared(c) => c.vocab.as_ref(),
            Cur::Draft(d) => d.vocab.as_ref(),
        }
    }

    fn base(&self) -> Option<&Rc<str>> {
        match self {
            Cur::Shared(c) => c.base.as_ref(),
            Cur::Draft(d) => d.base.as_ref(),
        }
    }

    fn has_protected(&self) -> bool {
        match self {
            Cur::Shared(c) => c.has_protected(),
            Cur::Draft(d) => d.terms.values().any(|t| t.protected),
        }
    }

    fn previous(&self) -> Option<&Rc<ActiveContext>> {
        match self {
            Cur::Shared(c) => c.previous.as_ref(),
            Cur::Draft(d) => d.previous.as_ref(),
        }
    }

    fn draft(&mut self) -> &mut Draft {
        if let Cur::Shared(c) = self {
            *self = Cur::Draft(Box::new(Draft {
                terms: c.terms.clone(),
                vocab: c.vocab.clone(),
                language: c.language.clone(),
                direction: c.direction,
                base: c.base.clone(),
                original_base: c.original_base.clone(),
                previous: c.previous.clone(),
            }));
        }
        match self {
            Cur::Draft(d) => d,
            // Just replaced by a draft.
            Cur::Shared(_) => unreachable!("draft() always leaves a draft"),
        }
    }

    fn freeze(self) -> Rc<ActiveContext> {
        match self {
            Cur::Shared(c) => c,
            Cur::Draft(d) => Rc::new(ActiveContext {
                id: next_id(),
                terms: d.terms,
                vocab: d.vocab,
                language: d.language,
                direction: d.direction,
                base: d.base,
                original_base: d.original_base,
                previous: d.previous,
            }),
        }
    }
}

/// A remote context read while computing a cache entry: its URL and the exact text.
type Dep = (Rc<str>, Rc<str>);

struct Entry {
    result: Rc<ActiveContext>,
    deps: Vec<Dep>,
    /// The generation of the source the deps were last checked against.
    generation: Option<u64>,
    /// Keeps a scoped context's value alive, so that its address (part of the key) is never
    /// reused while the entry exists.
    _keep: Option<Rc<Value>>,
}

/// The cache entries of remote contexts applied to one active context: (URL, entry).
type RemoteEntries = Vec<(Rc<str>, Entry)>;

/// What a cached list of context URLs was applied to, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ListKey {
    active: u64,
    strict: bool,
    override_protected: bool,
    propagate: bool,
    validate_scoped: bool,
}

/// Per-thread cache of processed contexts.
#[derive(Default)]
struct Cache {
    /// Lists of absolute context URLs (a document's `@context`) → the active context.
    lists: Vec<(ListKey, Vec<Rc<str>>, Entry)>,
    /// (active context, validate scoped) → its remote entries.
    remote: HashMap<(u64, bool), RemoteEntries, FxBuild>,
    scoped: HashMap<(u64, usize, bool, bool), Entry, FxBuild>,
    documents: HashMap<Rc<str>, (Rc<str>, Rc<Value>), FxBuild>,
    root: Option<Rc<ActiveContext>>,
}

/// Past this many entries the cache is emptied (documents with many distinct inline scoped
/// contexts cannot make it grow without bound).
const MAX_CACHE_ENTRIES: usize = 4096;
/// The most cached lists of context URLs (a verifier sees a handful of credential kinds).
const MAX_LIST_ENTRIES: usize = 64;
/// The most nested remote contexts followed.
const MAX_REMOTE_CONTEXTS: usize = 32;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// The shared empty active context without a base IRI (the general path has no base either).
pub(crate) fn shared_root() -> Rc<ActiveContext> {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.root
            .get_or_insert_with(|| ActiveContext::root(None))
            .clone()
    })
}

/// Empties this thread's cache (tests use it to measure cold processing).
pub fn clear_thread_cache() {
    CACHE.with(|c| *c.borrow_mut() = Cache::default());
}

/// Whether a cache entry still holds for `source`: same generation, or else the same texts
/// (then the entry adopts the source's generation).
fn entry_current(source: &dyn ContextSource, entry: &mut Entry) -> bool {
    let generation = source.generation();
    if generation.is_some() && entry.generation == generation {
        return true;
    }
    let same = entry
        .deps
        .iter()
        .all(|(url, text)| source.context_text(url) == Some(&**text));
    if same {
        entry.generation = generation;
    }
    same
}

/// Runs context processing; holds the source and the remote contexts read so far.
pub(crate) struct Processor<'s> {
    pub(crate) source: &'s dyn ContextSource,
    /// ssi-compatible mode: only what the general path is known to do identically.
    pub(crate) strict: bool,
    deps: Vec<Dep>,
    /// How many cache entries are being computed (their deps are being recorded).
    computing: usize,
}

/// Options of a term definition run.
#[derive(Clone, Copy)]
struct DefineOpts<'b> {
    base: Option<&'b Rc<str>>,
    protected: bool,
    override_protected: bool,
}

impl<'s> Processor<'s> {
    pub(crate) fn new(source: &'s dyn ContextSource, strict: bool) -> Self {
        Self {
            source,
            strict,
            deps: Vec::new(),
            computing: 0,
        }
    }

    /// A context application through this thread's cache: `find` looks for its entry, which is
    /// used if the contexts it read are unchanged; otherwise `compute` runs, and `store` files
    /// its result with the remote contexts it read (`keep`: a value the key points into).
    fn cached(
        &mut self,
        find: impl FnOnce(&mut Cache) -> Option<&mut Entry>,
        compute: impl FnOnce(&mut Self) -> Result<Rc<ActiveContext>, Declined>,
        keep: Option<Rc<Value>>,
        store: impl FnOnce(&mut Cache, Entry),
    ) -> Result<Rc<ActiveContext>, Declined> {
        let source = self.source;
        let computing = self.computing > 0;
        let hit = CACHE.with(|c| {
            let mut c = c.borrow_mut();
            let e = find(&mut c)?;
            entry_current(source, e).then(|| (e.result.clone(), computing.then(|| e.deps.clone())))
        });
        if let Some((result, deps)) = hit {
            self.deps.extend(deps.unwrap_or_default());
            return Ok(result);
        }
        let start = self.deps.len();
        self.computing += 1;
        let result = compute(self);
        self.computing -= 1;
        let result = result?;
        let entry = Entry {
            result: result.clone(),
            deps: self.deps[start..].to_vec(),
            generation: source.generation(),
            _keep: keep,
        };
        CACHE.with(|c| store(&mut c.borrow_mut(), entry));
        Ok(result)
    }

    /// Applies a scoped context (of a term definition), cached per thread.
    pub(crate) fn apply_scoped(
        &mut self,
        active: &Rc<ActiveContext>,
        scoped: &Scoped,
        override_protected: bool,
        propagate: bool,
    ) -> Result<Rc<ActiveContext>, Declined> {
        let key = (
            active.id,
            Rc::as_ptr(&scoped.value) as usize,
            override_protected,
            propagate,
        );
        self.cached(
            |c| c.scoped.get_mut(&key),
            |p| {
                p.process(
                    active,
                    &scoped.value,
                    scoped.base.as_ref(),
                    &mut Vec::new(),
                    override_protected,
                    propagate,
                    true,
                )
            },
            Some(scoped.value.clone()),
            |c, entry| {
                if c.remote.len() + c.scoped.len() >= MAX_CACHE_ENTRIES {
                    *c = Cache::default();
                }
                c.scoped.insert(key, entry);
            },
        )
    }

    /// Loads a remote context document: its `@context` value.
    fn load(&mut self, url: &str) -> Result<Rc<Value>, Declined> {
        let text = self
            .source
            .context_text(url)
            .ok_or(Declined::Invalid("unknown remote context"))?;
        let cached = CACHE.with(|c| {
            c.borrow()
                .documents
                .get(url)
                .filter(|(t, _)| **t == *text)
                .map(|(t, v)| (t.clone(), v.clone()))
        });
        let (text, value) = match cached {
            Some(hit) => hit,
            None => {
                let doc: Value = serde_json::from_str(text)
                    .map_err(|_| Declined::Invalid("remote context is not JSON"))?;
                let ctx = doc
                    .as_object()
                    .and_then(|o| o.get("@context"))
                    .ok_or(Declined::Invalid("remote context has no @context"))?
                    .clone();
                let text: Rc<str> = Rc::from(text);
                let value = Rc::new(ctx);
                CACHE.with(|c| {
                    let mut c = c.borrow_mut();
                    if c.documents.len() >= MAX_CACHE_ENTRIES {
                        c.documents.clear();
                    }
                    c.documents
                        .insert(Rc::from(url), (text.clone(), value.clone()));
                });
                (text, value)
            }
        };
        if self.computing > 0 {
            self.deps.push((Rc::from(url), text));
        }
        Ok(value)
    }

    fn apply_remote(
        &mut self,
        active: &Rc<ActiveContext>,
        url: &str,
        remote: &mut Vec<String>,
        validate_scoped: bool,
    ) -> Result<Rc<ActiveContext>, Declined> {
        let key = (active.id, validate_scoped);
        self.cached(
            |c| {
                let list = c.remote.get_mut(&key)?;
                list.iter_mut().find(|(u, _)| &**u == url).map(|(_, e)| e)
            },
            |p| {
                let loaded = p.load(url)?;
                let base: Rc<str> = Rc::from(url);
                p.process(
                    active,
                    &loaded,
                    Some(&base),
                    remote,
                    false,
                    true,
                    validate_scoped,
                )
            },
            None,
            |c, entry| {
                if c.remote.len() + c.scoped.len() >= MAX_CACHE_ENTRIES {
                    *c = Cache::default();
                }
                let list = c.remote.entry(key).or_default();
                list.retain(|(u, _)| &**u != url);
                list.push((Rc::from(url), entry));
            },
        )
    }

    /// Context processing (§4.1.2). A document's own `@context`, a list of absolute URLs
    /// applied to an active context, is looked up in this thread's cache first: every
    /// credential of a kind names the same contexts.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn process(
        &mut self,
        active: &Rc<ActiveContext>,
        local: &Value,
        base: Option<&Rc<str>>,
        remote: &mut Vec<String>,
        override_protected: bool,
        propagate: bool,
        validate_scoped: bool,
    ) -> Result<Rc<ActiveContext>, Declined> {
        let urls: Option<SmallVec<[&str; 4]>> = match local {
            Value::String(s) => Some(smallvec::smallvec![s.as_str()]),
            Value::Array(a) if !a.is_empty() => a.iter().map(Value::as_str).collect(),
            _ => None,
        };
        let cacheable = remote.is_empty();
        let mut compute = move |p: &mut Self| {
            p.process_local(
                active,
                local,
                base,
                remote,
                override_protected,
                propagate,
                validate_scoped,
            )
        };
        let Some(urls) = urls.filter(|_| cacheable) else {
            return compute(self);
        };
        let key = ListKey {
            active: active.id,
            strict: self.strict,
            override_protected,
            propagate,
            validate_scoped,
        };
        let absolute = urls.iter().all(|u| iri::is_absolute_iri(u));
        self.cached(
            |c| {
                c.lists
                    .iter_mut()
                    .find(|(k, u, _)| {
                        *k == key
                            && u.len() == urls.len()
                            && u.iter().zip(&urls).all(|(a, b)| **a == **b)
                    })
                    .map(|(_, _, e)| e)
            },
            compute,
            None,
            |c, entry| {
                if !absolute {
                    return;
                }
                if c.lists.len() >= MAX_LIST_ENTRIES {
                    c.lists.clear();
                }
                c.lists
                    .push((key, urls.iter().map(|u| Rc::from(*u)).collect(), entry));
            },
        )
    }

    /// [`Processor::process`] without the cache of URL lists.
    #[allow(clippy::too_many_arguments)]
    fn process_local(
        &mut self,
        active: &Rc<ActiveContext>,
        local: &Value,
        base: Option<&Rc<str>>,
        remote: &mut Vec<String>,
        override_protected: bool,
        mut propagate: bool,
        validate_scoped: bool,
    ) -> Result<Rc<ActiveContext>, Declined> {
        let mut result = Cur::Shared(active.clone());
        if let Value::Object(o) = local
            && let Some(p) = o.get("@propagate")
        {
            propagate = p
                .as_bool()
                .ok_or(Declined::Invalid("invalid @propagate value"))?;
        }
        if !propagate && result.previous().is_none() {
            result.draft().previous = Some(active.clone());
        }
        let items: &[Value] = match local {
            Value::Array(a) => a,
            one => std::slice::from_ref(one),
        };
        for context in items {
            match context {
                Value::Null => {
                    if !override_protected && result.has_protected() {
                        return Err(Declined::Invalid("invalid context nullification"));
                    }
                    let previous = if propagate {
                        None
                    } else {
                        Some(std::mem::replace(&mut result, Cur::Shared(active.clone())).freeze())
                    };
                    result = Cur::Draft(Box::new(Draft {
                        terms: Terms::default(),
                        vocab: None,
                        language: None,
                        direction: None,
                        base: active.original_base.clone(),
                        original_base: active.original_base.clone(),
                        previous,
                    }));
                }
                Value::String(s) => {
                    let url = if iri::is_absolute_iri(s) {
                        s.clone()
                    } else if let (false, Some(b)) = (self.strict, base) {
                        iri::resolve(s, b)
                    } else {
                        return Err(Declined::Unsupported("relative context URL"));
                    };
                    if !validate_scoped && remote.contains(&url) {
                        continue;
                    }
                    if remote.len() >= MAX_REMOTE_CONTEXTS {
                        return Err(Declined::Invalid("context overflow"));
                    }
                    remote.push(url.clone());
                    let current = std::mem::replace(&mut result, Cur::Shared(active.clone()));
                    let shared = current.freeze();
                    result = Cur::Shared(self.apply_remote(
                        &shared,
                        &url,
                        &mut remote.clone(),
                        validate_scoped,
                    )?);
                }
                Value::Object(def) => {
                    self.context_definition(&mut result, def, base, remote, override_protected)?;
                }
                _ => return Err(Declined::Invalid("invalid local context")),
            }
        }
        Ok(result.freeze())
    }

    fn context_definition(
        &mut self,
        result: &mut Cur,
        def: &Map<String, Value>,
        base: Option<&Rc<str>>,
        remote: &mut Vec<String>,
        override_protected: bool,
    ) -> Result<(), Declined> {
        if let Some(v) = def.get("@version")
            && v.as_f64() != Some(1.1)
        {
            return Err(Declined::Invalid("invalid @version value"));
        }
        if def.contains_key("@import") {
            return Err(Declined::Unsupported("@import in a context"));
        }
        let protected = match def.get("@protected") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Declined::Invalid("invalid @protected value")),
        };
        let opts = DefineOpts {
            base,
            protected,
            override_protected,
        };
        if let Some(v) = def.get("@base")
            && remote.is_empty()
        {
            if self.strict {
                return Err(Declined::Unsupported("@base in a context"));
            }
            match v {
                Value::Null => result.draft().base = None,
                Value::String(s) if iri::is_absolute_iri(s) => {
                    result.draft().base = Some(Rc::from(s.as_str()));
                }
                Value::String(s) => match result.base().cloned() {
                    Some(b) => result.draft().base = Some(Rc::from(iri::resolve(s, &b))),
                    None => return Err(Declined::Invalid("invalid base IRI")),
                },
                _ => return Err(Declined::Invalid("invalid base IRI")),
            }
        }
        if let Some(v) = def.get("@vocab") {
            match v {
                Value::Null => result.draft().vocab = None,
                Value::String(s) => {
                    let empty = Map::new();
                    let mut none: HashMap<&str, bool, FxBuild> = HashMap::default();
                    let m = self.expand_iri_defining(
                        result, &empty, s, &mut none, opts, remote, true, true,
                    )?;
                    match m {
                        Mapping::Iri(i) if !iri::is_blank(&i) && iri::is_absolute_iri(&i) => {
                            result.draft().vocab = Some(i);
                        }
                        Mapping::Iri(i) if iri::is_blank(&i) => {
                            return Err(Declined::Unsupported("blank node @vocab"));
                        }
                        _ => return Err(Declined::Invalid("invalid vocab mapping")),
                    }
                }
                _ => return Err(Declined::Invalid("invalid vocab mapping")),
            }
        }
        if let Some(v) = def.get("@language") {
            match v {
                Value::Null => result.draft().language = None,
                Value::String(s) => result.draft().language = Some(Rc::from(s.as_str())),
                _ => return Err(Declined::Invalid("invalid default language")),
            }
        }
        if let Some(v) = def.get("@direction") {
            result.draft().direction = Direction::parse(v)?;
        }
        if let Some(v) = def.get("@propagate")
            && !v.is_boolean()
        {
            return Err(Declined::Invalid("invalid @propagate value"));
        }
        let mut defined: HashMap<&str, bool, FxBuild> = HashMap::default();
        for key in def.keys() {
            if matches!(
                key.as_str(),
                "@base"
                    | "@direction"
                    | "@import"
                    | "@language"
                    | "@propagate"
                    | "@protected"
                    | "@version"
                    | "@vocab"
            ) {
                continue;
            }
            self.define(result, def, key, &mut defined, opts, remote)?;
        }
        Ok(())
    }

    /// Create Term Definition (§4.2.2).
    fn define<'l>(
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
    fn expand_iri_defining<'l>(
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

fn container_flags(c: &Value) -> Result<u8, Declined> {
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
