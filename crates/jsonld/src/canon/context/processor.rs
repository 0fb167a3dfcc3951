//! Context processing (JSON-LD 1.1 Processing Algorithms §4.1): the processor, and the context it builds.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::canon::Declined;
use crate::canon::iri;
use crate::canon::str::FxBuild;
use smallvec::SmallVec;

use super::*;

/// A context being built: starts as a shared context, copied on the first change.
pub(super) enum Cur {
    Shared(Rc<ActiveContext>),
    Draft(Box<Draft>),
}

pub(super) struct Draft {
    pub(super) terms: Terms,
    pub(super) vocab: Option<Rc<str>>,
    pub(super) language: Option<Rc<str>>,
    pub(super) direction: Option<Direction>,
    pub(super) base: Option<Rc<str>>,
    pub(super) original_base: Option<Rc<str>>,
    pub(super) previous: Option<Rc<ActiveContext>>,
}

impl Cur {
    pub(super) fn term(&self, key: &str) -> Option<&TermDef> {
        match self {
            Cur::Shared(c) => c.term(key),
            Cur::Draft(d) => d.terms.get(key).map(|t| &**t),
        }
    }

    pub(super) fn vocab(&self) -> Option<&Rc<str>> {
        match self {
            Cur::Shared(c) => c.vocab.as_ref(),
            Cur::Draft(d) => d.vocab.as_ref(),
        }
    }

    pub(super) fn base(&self) -> Option<&Rc<str>> {
        match self {
            Cur::Shared(c) => c.base.as_ref(),
            Cur::Draft(d) => d.base.as_ref(),
        }
    }

    pub(super) fn has_protected(&self) -> bool {
        match self {
            Cur::Shared(c) => c.has_protected(),
            Cur::Draft(d) => d.terms.values().any(|t| t.protected),
        }
    }

    pub(super) fn previous(&self) -> Option<&Rc<ActiveContext>> {
        match self {
            Cur::Shared(c) => c.previous.as_ref(),
            Cur::Draft(d) => d.previous.as_ref(),
        }
    }

    pub(super) fn draft(&mut self) -> &mut Draft {
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

    pub(super) fn freeze(self) -> Rc<ActiveContext> {
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

/// Runs context processing; holds the source and the remote contexts read so far.
pub(crate) struct Processor<'s> {
    pub(crate) source: &'s dyn ContextSource,
    /// ssi-compatible mode: only what the general path is known to do identically.
    pub(crate) strict: bool,
    pub(super) deps: Vec<Dep>,
    /// How many cache entries are being computed (their deps are being recorded).
    pub(super) computing: usize,
}

/// Options of a term definition run.
#[derive(Clone, Copy)]
pub(super) struct DefineOpts<'b> {
    pub(super) base: Option<&'b Rc<str>>,
    pub(super) protected: bool,
    pub(super) override_protected: bool,
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
    pub(super) fn process_local(
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

    pub(super) fn context_definition(
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
}
