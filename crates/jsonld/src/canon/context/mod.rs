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

mod active;
mod cache;
mod processor;
mod terms;

pub(crate) use active::*;
pub(crate) use cache::shared_root;
pub(crate) use processor::Processor;

use cache::*;
use processor::*;

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
