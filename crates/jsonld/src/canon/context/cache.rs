//! The per-thread cache of processed contexts, and the processor's steps that read and fill it (remote and scoped contexts).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value;

use crate::canon::Declined;
use crate::canon::str::FxBuild;

use super::*;

/// A remote context read while computing a cache entry: its URL and the exact text.
pub(super) type Dep = (Rc<str>, Rc<str>);

pub(super) struct Entry {
    pub(super) result: Rc<ActiveContext>,
    pub(super) deps: Vec<Dep>,
    /// The generation of the source the deps were last checked against.
    pub(super) generation: Option<u64>,
    /// Keeps a scoped context's value alive, so that its address (part of the key) is never
    /// reused while the entry exists.
    pub(super) _keep: Option<Rc<Value>>,
}

/// The cache entries of remote contexts applied to one active context: (URL, entry).
pub(super) type RemoteEntries = Vec<(Rc<str>, Entry)>;

/// What a cached list of context URLs was applied to, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ListKey {
    pub(super) active: u64,
    pub(super) strict: bool,
    pub(super) override_protected: bool,
    pub(super) propagate: bool,
    pub(super) validate_scoped: bool,
}

/// Per-thread cache of processed contexts.
#[derive(Default)]
pub(super) struct Cache {
    /// Lists of absolute context URLs (a document's `@context`) → the active context.
    pub(super) lists: Vec<(ListKey, Vec<Rc<str>>, Entry)>,
    /// (active context, validate scoped) → its remote entries.
    pub(super) remote: HashMap<(u64, bool), RemoteEntries, FxBuild>,
    pub(super) scoped: HashMap<(u64, usize, bool, bool), Entry, FxBuild>,
    pub(super) documents: HashMap<Rc<str>, (Rc<str>, Rc<Value>), FxBuild>,
    pub(super) root: Option<Rc<ActiveContext>>,
}

/// Past this many entries the cache is emptied (documents with many distinct inline scoped
/// contexts cannot make it grow without bound).
pub(super) const MAX_CACHE_ENTRIES: usize = 4096;
/// The most cached lists of context URLs (a verifier sees a handful of credential kinds).
pub(super) const MAX_LIST_ENTRIES: usize = 64;
/// The most nested remote contexts followed.
pub(super) const MAX_REMOTE_CONTEXTS: usize = 32;

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

/// Whether a cache entry still holds for `source`: same generation, or else the same texts
/// (then the entry adopts the source's generation).
pub(super) fn entry_current(source: &dyn ContextSource, entry: &mut Entry) -> bool {
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

impl<'s> Processor<'s> {
    /// A context application through this thread's cache: `find` looks for its entry, which is
    /// used if the contexts it read are unchanged; otherwise `compute` runs, and `store` files
    /// its result with the remote contexts it read (`keep`: a value the key points into).
    pub(super) fn cached(
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
    pub(super) fn load(&mut self, url: &str) -> Result<Rc<Value>, Declined> {
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

    pub(super) fn apply_remote(
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
}
