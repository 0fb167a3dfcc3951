//! The verifier's cache of verified status lists, keyed by list URL, and the freshness rules
//! that decide when a cached list may still be believed.
//!
//! A lookup answers [`CacheLookup::Fresh`], [`CacheLookup::Stale`] (with the reason) or
//! [`CacheLookup::Missing`]. Only a fresh list may say "not revoked": callers (such as the
//! [`StatusPolicy`](crate::policy::StatusPolicy)) turn stale and missing into *indeterminate*.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use civitas_core::credential::format_datetime;
use civitas_core::verify::DocumentCheck;

use crate::error::StatusError;
use crate::verify::{VerifiedStatusList, verify_status_list};

/// The `ttl` assumed for a list that has none, when [`FreshnessPolicy::honor_ttl`] is on:
/// 5 minutes (300,000 ms, the value earlier drafts of the specification gave as the default).
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// When a cached list stops being fresh. Whatever the policy, a list is stale after its
/// `validUntil` and before its `validFrom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshnessPolicy {
    /// Honour the list's `ttl` (or [`default_ttl`](Self::default_ttl) if it has none), counted
    /// from when the list was fetched. On for online verifiers; off for offline ones, which
    /// cannot fetch again anyway and rely on `max_list_age`.
    pub honor_ttl: bool,
    /// The `ttl` of a list without one.
    pub default_ttl: Duration,
    /// The longest a list may be used after it was fetched, whatever its `ttl`.
    pub max_age: Option<Duration>,
    /// The oldest issuer statement accepted: a list whose `validFrom` is longer ago than this
    /// is stale (one without `validFrom` is then always stale). This bounds how long a
    /// revocation can go unseen, even when an old list is served again.
    pub max_list_age: Option<Duration>,
}

impl Default for FreshnessPolicy {
    fn default() -> Self {
        Self::online()
    }
}

impl FreshnessPolicy {
    /// For verifiers that can fetch lists: honour `ttl` ([`DEFAULT_TTL`] when absent).
    pub fn online() -> Self {
        Self {
            honor_ttl: true,
            default_ttl: DEFAULT_TTL,
            max_age: None,
            max_list_age: None,
        }
    }

    /// For offline verifiers (a border post syncing nightly): ignore `ttl`, accept a list while
    /// its `validFrom` is at most `max_list_age` ago (and `validUntil` has not passed).
    pub fn offline(max_list_age: Duration) -> Self {
        Self {
            honor_ttl: false,
            default_ttl: DEFAULT_TTL,
            max_age: None,
            max_list_age: Some(max_list_age),
        }
    }

    /// Sets [`max_age`](Self::max_age).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Why `list`, fetched at `fetched_at`, is stale at `now` (`None`: it is fresh).
    pub fn stale_reason(
        &self,
        list: &VerifiedStatusList,
        fetched_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<StaleReason> {
        let c = list.credential();
        if let Some(until) = c.valid_until
            && now > until
        {
            return Some(StaleReason::Expired { valid_until: until });
        }
        if let Some(from) = c.valid_from
            && now < from
        {
            return Some(StaleReason::NotYetValid { valid_from: from });
        }
        if self.honor_ttl {
            let ttl = c.ttl.unwrap_or(self.default_ttl);
            if elapsed(fetched_at, ttl, now) {
                return Some(StaleReason::TtlElapsed { fetched_at, ttl });
            }
        }
        if let Some(max_age) = self.max_age
            && elapsed(fetched_at, max_age, now)
        {
            return Some(StaleReason::CachedTooLong {
                fetched_at,
                max_age,
            });
        }
        if let Some(max_list_age) = self.max_list_age {
            let too_old = c
                .valid_from
                .is_none_or(|from| elapsed(from, max_list_age, now));
            if too_old {
                return Some(StaleReason::TooOld {
                    valid_from: c.valid_from,
                    max_list_age,
                });
            }
        }
        None
    }
}

/// Whether more than `span` has passed from `since` to `now` (never, if the sum overflows).
fn elapsed(since: DateTime<Utc>, span: Duration, now: DateTime<Utc>) -> bool {
    // `now > since + span`, without the calendar arithmetic of adding to a date (a span too
    // large for a `TimeDelta` never elapses).
    TimeDelta::from_std(span).is_ok_and(|d| now.signed_duration_since(since) > d)
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => format!("{} ms", d.as_millis()),
        s if s % 86_400 == 0 => format!("{} day(s)", s / 86_400),
        s if s % 3_600 == 0 => format!("{} hour(s)", s / 3_600),
        s if s % 60 == 0 => format!("{} minute(s)", s / 60),
        s => format!("{s} s"),
    }
}

/// Why a cached list is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// Its `validUntil` has passed.
    Expired {
        /// `validUntil`.
        valid_until: DateTime<Utc>,
    },
    /// Its `validFrom` is in the future (or the verifier's clock is behind).
    NotYetValid {
        /// `validFrom`.
        valid_from: DateTime<Utc>,
    },
    /// Its `ttl` has elapsed since it was fetched.
    TtlElapsed {
        /// When it was fetched.
        fetched_at: DateTime<Utc>,
        /// The ttl applied.
        ttl: Duration,
    },
    /// It was fetched longer ago than the caller's maximum age.
    CachedTooLong {
        /// When it was fetched.
        fetched_at: DateTime<Utc>,
        /// The caller's limit.
        max_age: Duration,
    },
    /// The issuer's statement is older than the caller accepts.
    TooOld {
        /// `validFrom`, if any.
        valid_from: Option<DateTime<Utc>>,
        /// The caller's limit.
        max_list_age: Duration,
    },
}

impl std::fmt::Display for StaleReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Expired { valid_until } => {
                write!(f, "it expired at {}", format_datetime(*valid_until))
            }
            Self::NotYetValid { valid_from } => {
                write!(f, "it is only valid from {}", format_datetime(*valid_from))
            }
            Self::TtlElapsed { fetched_at, ttl } => write!(
                f,
                "its ttl of {} since it was fetched at {} has elapsed",
                human(*ttl),
                format_datetime(*fetched_at)
            ),
            Self::CachedTooLong {
                fetched_at,
                max_age,
            } => write!(
                f,
                "it was fetched at {}, more than the accepted {} ago",
                format_datetime(*fetched_at),
                human(*max_age)
            ),
            Self::TooOld {
                valid_from: Some(from),
                max_list_age,
            } => write!(
                f,
                "it was issued at {}, more than the accepted {} ago",
                format_datetime(*from),
                human(*max_list_age)
            ),
            Self::TooOld {
                valid_from: None,
                max_list_age,
            } => write!(
                f,
                "it has no validFrom, so it cannot be shown to be less than {} old",
                human(*max_list_age)
            ),
        }
    }
}

/// The answer of the cache for one list URL.
#[derive(Debug, Clone)]
pub enum CacheLookup {
    /// A verified list that may be believed now.
    Fresh(Arc<VerifiedStatusList>),
    /// A verified list that is too old to say "not revoked" (a set bit still means set).
    Stale {
        /// The list.
        list: Arc<VerifiedStatusList>,
        /// Why it is stale.
        reason: StaleReason,
    },
    /// No list is cached for the URL.
    Missing,
}

/// [`CacheLookup`] borrowed from a [`ReadCache`].
pub(crate) enum Found<'a> {
    Fresh(&'a Arc<VerifiedStatusList>),
    Stale {
        list: &'a Arc<VerifiedStatusList>,
        reason: StaleReason,
    },
    Missing,
}

/// The cache's lists held for reading.
pub(crate) struct ReadCache<'a>(
    std::sync::RwLockReadGuard<'a, HashMap<String, Cached, foldhash::fast::RandomState>>,
);

impl ReadCache<'_> {
    /// [`StatusListCache::lookup`], borrowed.
    pub(crate) fn lookup(
        &self,
        url: &str,
        now: DateTime<Utc>,
        policy: &FreshnessPolicy,
    ) -> Found<'_> {
        match self.0.get(url) {
            None => Found::Missing,
            Some(c) => match policy.stale_reason(&c.list, c.fetched_at, now) {
                None => Found::Fresh(&c.list),
                Some(reason) => Found::Stale {
                    list: &c.list,
                    reason,
                },
            },
        }
    }
}

#[derive(Debug, Clone)]
struct Cached {
    list: Arc<VerifiedStatusList>,
    fetched_at: DateTime<Utc>,
}

/// Verified status lists by URL. Thread-safe; share it behind an `Arc`.
///
/// ```
/// use civitas_status::cache::{CacheLookup, FreshnessPolicy, StatusListCache};
///
/// let cache = StatusListCache::new();
/// let now = chrono::Utc::now();
/// assert!(matches!(
///     cache.lookup("https://registry.gov.example/status/1", now, &FreshnessPolicy::online()),
///     CacheLookup::Missing
/// ));
/// ```
#[derive(Debug, Default)]
pub struct StatusListCache {
    // foldhash: several times faster than SipHash on a URL, and seeded per process. Only
    // verified lists are ever inserted, so lookups of arbitrary URLs cannot flood the table.
    lists: RwLock<HashMap<String, Cached, foldhash::fast::RandomState>>,
}

impl StatusListCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a verified list, fetched at `fetched_at`.
    ///
    /// Refuses ([`StatusError::Rollback`]) a list whose `validFrom` is older than that of the
    /// list already cached for the URL: a replayed old list could hide a revocation.
    pub fn insert(
        &self,
        list: VerifiedStatusList,
        fetched_at: DateTime<Utc>,
    ) -> Result<Arc<VerifiedStatusList>, StatusError> {
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        let url = list.url().to_owned();
        if let Some(existing) = lists.get(&url) {
            let cached = existing.list.credential().valid_from;
            let offered = list.credential().valid_from;
            let older = match (cached, offered) {
                (Some(c), Some(o)) => o < c,
                (Some(_), None) => true,
                _ => false,
            };
            if older {
                let text =
                    |t: Option<DateTime<Utc>>| t.map_or_else(|| "(none)".into(), format_datetime);
                return Err(StatusError::Rollback {
                    list: url,
                    cached: text(cached),
                    offered: text(offered),
                });
            }
        }
        let list = Arc::new(list);
        lists.insert(
            url,
            Cached {
                list: list.clone(),
                fetched_at,
            },
        );
        Ok(list)
    }

    /// Verifies a status list credential (see [`verify_status_list`]) at `fetched_at` and
    /// caches it.
    pub async fn load(
        &self,
        bytes: &[u8],
        checker: &DocumentCheck,
        fetched_at: DateTime<Utc>,
    ) -> Result<Arc<VerifiedStatusList>, StatusError> {
        let list = verify_status_list(bytes, checker, fetched_at).await?;
        self.insert(list, fetched_at)
    }

    /// [`load`](Self::load) for bytes fetched from `url`: also refuses
    /// ([`StatusError::UnexpectedListId`]) a list whose `id` is not `url`, so that a list served at
    /// the wrong address cannot stand in for another.
    pub async fn load_from(
        &self,
        url: &str,
        bytes: &[u8],
        checker: &DocumentCheck,
        fetched_at: DateTime<Utc>,
    ) -> Result<Arc<VerifiedStatusList>, StatusError> {
        let list = verify_status_list(bytes, checker, fetched_at).await?;
        if list.url() != url {
            return Err(StatusError::UnexpectedListId {
                fetched_from: url.to_owned(),
                id: list.url().to_owned(),
            });
        }
        self.insert(list, fetched_at)
    }

    /// The list for `url` and whether it is fresh at `now` under `policy`.
    pub fn lookup(&self, url: &str, now: DateTime<Utc>, policy: &FreshnessPolicy) -> CacheLookup {
        match self.read().lookup(url, now, policy) {
            Found::Missing => CacheLookup::Missing,
            Found::Fresh(list) => CacheLookup::Fresh(Arc::clone(list)),
            Found::Stale { list, reason } => CacheLookup::Stale {
                list: Arc::clone(list),
                reason,
            },
        }
    }

    /// The cache held for reading: several lookups under one lock, without reference counting
    /// (a credential's status check looks up each of its entries).
    pub(crate) fn read(&self) -> ReadCache<'_> {
        ReadCache(self.lists.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The list cached for `url` and when it was fetched, fresh or not.
    pub fn get(&self, url: &str) -> Option<(Arc<VerifiedStatusList>, DateTime<Utc>)> {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        lists.get(url).map(|c| (c.list.clone(), c.fetched_at))
    }

    /// Forgets the list for `url`; returns whether there was one.
    pub fn remove(&self, url: &str) -> bool {
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        lists.remove(url).is_some()
    }

    /// The cached URLs, sorted.
    pub fn urls(&self) -> Vec<String> {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        let mut urls: Vec<String> = lists.keys().cloned().collect();
        urls.sort();
        urls
    }

    /// How many lists are cached.
    pub fn len(&self) -> usize {
        self.lists
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
