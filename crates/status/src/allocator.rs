//! Private allocation of status list indices.
//!
//! Herd privacy needs every index of a list to look alike: a verifier (or the host serving the
//! list) must not learn from an index when a credential was issued or which credentials were
//! issued together. The [`Allocator`] therefore never hands out indices in order. Each list gets
//! a fresh secret 256-bit key; position *p* (0, 1, 2, …) of the list maps to index π(*p*), where
//! π is a keyed pseudorandom permutation of `0..entries` (a Feistel network with SHA-256 rounds).
//! Indices are distinct by construction (never reused), and to anyone without the key each one
//! looks uniformly random among the indices not handed out yet. When a list is full the next
//! one is opened; list URLs are the base URL followed by the list number (1, 2, …).
//!
//! # Persistence contract
//!
//! The [`AllocatorState`] is what the issuer stores (serde; it holds the keys of the open list,
//! so keep it with the issuer's other secrets). It records, per open list, a *lease* high-water
//! mark: every position below it is handed out or may have been. An allocator takes positions
//! in blocks of [`AllocatorConfig::lease_size`]; taking a block (or opening a list) changes the
//! state and bumps its [`generation`](AllocatorState::generation), and the [`Allocation`] that
//! did it says [`must_persist`](Allocation::must_persist).
//!
//! The issuer must follow one rule: **when an allocation says `must_persist`, store
//! [`Allocator::state`] durably before using its index** (before the credential that carries
//! it is signed or acknowledged). Allocations in the same block need no write.
//!
//! What that buys:
//! - A restore from the last stored state never hands out an index handed out before: every
//!   index handed out lies in a block that was stored first. A crash only loses the rest of the
//!   current block (at most `lease_size − 1` indices stay unused for ever, harmlessly).
//! - Two allocators restored from the same stored state never hand out the same index, as long
//!   as each stores its lease before using it with a compare-and-swap on the generation: store
//!   the new state only if the stored generation is still
//!   [`previous_generation`](Allocation::previous_generation). Both allocators want the same
//!   next block, so both bump the generation from the same value; the second store fails, and
//!   that allocator must not use its index: it restores from the stored state again and gets
//!   the next block. (Without compare-and-swap, run one allocator per state, e.g. behind a mutex.)
//! - A restore from an *older* backup would re-issue indices handed out after the backup. Call
//!   [`AllocatorState::recover`] with the `(list number, index)` pairs of the credentials issued
//!   since (the issuer's registry knows them): the state then moves past every one of them.

use std::ops::Range;

use rand::RngCore;

use crate::bitstring::{MAX_DECODED_LIST_BYTES, MIN_ENTRIES, StatusSize};
use crate::entry::{BitstringStatusListEntry, StatusMessage, StatusPurpose, is_url};
use crate::error::StatusError;
use crate::permutation::Permutation;

/// The version of the [`AllocatorState`] format.
pub const STATE_FORMAT: u32 = 1;

/// The default [`AllocatorConfig::lease_size`]: 64 positions per durable write.
pub const DEFAULT_LEASE_SIZE: u64 = 64;

/// How an allocator lays out its lists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocatorConfig {
    /// Where the lists are published: list *n* is at `<base_url>/<n>` (no extra `/` if the base
    /// already ends with one), e.g. `https://registry.gov.example/status/revocation/7`.
    pub base_url: String,
    /// What the lists are for.
    pub purpose: StatusPurpose,
    /// Entries per list; at least [`MIN_ENTRIES`] (the default).
    pub entries_per_list: u64,
    /// Bits per entry (1 for revocation and suspension).
    pub status_size: StatusSize,
    /// How many positions one durable write covers (1 to `entries_per_list`; default
    /// [`DEFAULT_LEASE_SIZE`]). 1 means a write per allocation.
    pub lease_size: u64,
}

impl AllocatorConfig {
    /// One-bit lists of [`MIN_ENTRIES`] entries for `purpose`, published under `base_url`.
    pub fn new(base_url: &str, purpose: StatusPurpose) -> Self {
        Self {
            base_url: base_url.to_owned(),
            purpose,
            entries_per_list: MIN_ENTRIES,
            status_size: StatusSize::ONE,
            lease_size: DEFAULT_LEASE_SIZE,
        }
    }

    /// Sets the lease size.
    pub fn lease_size(mut self, lease_size: u64) -> Self {
        self.lease_size = lease_size;
        self
    }

    /// Sets the number of entries per list.
    pub fn entries_per_list(mut self, entries: u64) -> Self {
        self.entries_per_list = entries;
        self
    }

    /// Sets the bits per entry.
    pub fn status_size(mut self, size: StatusSize) -> Self {
        self.status_size = size;
        self
    }

    /// The URL of list number `number`.
    pub fn list_url(&self, number: u64) -> String {
        if self.base_url.ends_with('/') {
            format!("{}{number}", self.base_url)
        } else {
            format!("{}/{number}", self.base_url)
        }
    }

    fn validate(&self) -> Result<(), StatusError> {
        let bad = |reason: String| Err(StatusError::InvalidAllocator { reason });
        if !is_url(&self.base_url) || self.base_url.contains(['#', '?']) {
            return bad(format!(
                "base URL `{}` must be a URL without query or fragment",
                self.base_url
            ));
        }
        if self.entries_per_list < MIN_ENTRIES {
            return bad(format!(
                "{} entries per list is fewer than the {MIN_ENTRIES} herd privacy requires",
                self.entries_per_list
            ));
        }
        let bits = self
            .entries_per_list
            .checked_mul(u64::from(self.status_size.bits()));
        if bits.is_none_or(|b| b > MAX_DECODED_LIST_BYTES as u64 * 8) {
            return bad(format!(
                "{} entries of {} bit(s) exceed the {MAX_DECODED_LIST_BYTES}-byte list cap",
                self.entries_per_list, self.status_size
            ));
        }
        if self.lease_size == 0 || self.lease_size > self.entries_per_list {
            return bad(format!(
                "lease size {} must be between 1 and the entries per list",
                self.lease_size
            ));
        }
        Ok(())
    }
}

/// The list currently being filled.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenList {
    number: u64,
    /// The permutation key, hex.
    key: String,
    /// Positions below this are handed out, or leased and possibly handed out.
    leased: u64,
}

/// The durable state of an [`Allocator`]. See the [module documentation](self) for the contract.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocatorState {
    format: u32,
    config: AllocatorConfig,
    generation: u64,
    next_list: u64,
    open: Option<OpenList>,
}

impl std::fmt::Debug for AllocatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AllocatorState")
            .field("config", &self.config)
            .field("generation", &self.generation)
            .field("next_list", &self.next_list)
            .field("open_list", &self.open.as_ref().map(|o| o.number))
            .field("leased", &self.open.as_ref().map(|o| o.leased))
            .finish_non_exhaustive()
    }
}

fn decode_key(hex: &str) -> Result<[u8; 32], StatusError> {
    let bad = || StatusError::InvalidAllocator {
        reason: "the open list's key must be 64 hexadecimal characters".into(),
    };
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(key)
}

fn encode_key(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

impl AllocatorState {
    /// The state of an allocator that has handed out nothing yet.
    pub fn new(config: AllocatorConfig) -> Result<Self, StatusError> {
        config.validate()?;
        Ok(Self {
            format: STATE_FORMAT,
            config,
            generation: 0,
            next_list: 1,
            open: None,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AllocatorConfig {
        &self.config
    }

    /// Grows by one with every change that must be stored.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The number of the list being filled, if one is open.
    pub fn open_list(&self) -> Option<u64> {
        self.open.as_ref().map(|o| o.number)
    }

    /// Positions of the open list leased so far (handed out or lost to a crash).
    pub fn leased(&self) -> u64 {
        self.open.as_ref().map_or(0, |o| o.leased)
    }

    fn validate(&self) -> Result<(), StatusError> {
        if self.format != STATE_FORMAT {
            return Err(StatusError::InvalidAllocator {
                reason: format!("state format {} is not {STATE_FORMAT}", self.format),
            });
        }
        self.config.validate()?;
        if let Some(open) = &self.open {
            decode_key(&open.key)?;
            if open.number == 0 || open.number >= self.next_list {
                return Err(StatusError::InvalidAllocator {
                    reason: format!(
                        "open list {} is not below the next list number {}",
                        open.number, self.next_list
                    ),
                });
            }
            if open.leased > self.config.entries_per_list {
                return Err(StatusError::InvalidAllocator {
                    reason: format!(
                        "{} positions leased in a list of {}",
                        open.leased, self.config.entries_per_list
                    ),
                });
            }
        }
        Ok(())
    }

    /// Moves the state past indices handed out after it was saved: `used` lists the
    /// `(list number, index)` of every credential issued since (more is fine). Afterwards no
    /// allocator restored from this state hands out any of them.
    ///
    /// A used index in the open list moves its lease mark past that index's position. A used
    /// list number at or beyond the next list means lists were opened after the backup, whose
    /// keys are lost: the open list is abandoned and allocation resumes after the highest list
    /// seen.
    ///
    /// The state's generation grows: store the recovered state before restoring from it.
    pub fn recover<I>(&mut self, used: I) -> Result<(), StatusError>
    where
        I: IntoIterator<Item = (u64, u64)>,
    {
        self.validate()?;
        let entries = self.config.entries_per_list;
        let open = match &self.open {
            Some(o) => Some((o.number, Permutation::new(decode_key(&o.key)?, entries))),
            None => None,
        };
        let mut leased = self.leased();
        let mut highest_new_list: Option<u64> = None;
        for (list, index) in used {
            if index >= entries {
                return Err(StatusError::IndexOutOfRange {
                    index,
                    status_size: self.config.status_size.bits(),
                    entries,
                });
            }
            if list >= self.next_list {
                highest_new_list = Some(highest_new_list.map_or(list, |h| h.max(list)));
            } else if let Some((number, permutation)) = &open
                && list == *number
            {
                leased = leased.max(permutation.invert(index) + 1);
            }
        }
        match highest_new_list {
            Some(highest) => {
                self.next_list =
                    highest
                        .checked_add(1)
                        .ok_or_else(|| StatusError::InvalidAllocator {
                            reason: "list numbers are exhausted".into(),
                        })?;
                self.open = None;
            }
            None => {
                if let Some(o) = &mut self.open {
                    o.leased = leased;
                }
            }
        }
        self.generation += 1;
        Ok(())
    }
}

/// One allocated status entry position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// What the list is for.
    pub purpose: StatusPurpose,
    /// The list number (from 1).
    pub list_number: u64,
    /// The list URL (the list credential's `id`, the entry's `statusListCredential`).
    pub list_url: String,
    /// The index in the list.
    pub index: u64,
    /// Bits per entry.
    pub status_size: StatusSize,
    /// Entries per list.
    pub entries_per_list: u64,
    /// This allocation opened a new list: create it ([`StatusList::for_allocation`](crate::list::StatusList::for_allocation))
    /// and publish it.
    pub opened_list: bool,
    /// The state changed: store [`Allocator::state`] before using the index.
    pub must_persist: bool,
    /// The generation of the state this allocator last had stored (or was restored from): with
    /// compare-and-swap, store the new state only if the stored one still has this generation.
    pub previous_generation: u64,
}

impl Allocation {
    /// The `credentialStatus` entry for this allocation (id `<list URL>#<index>`).
    pub fn entry(&self) -> BitstringStatusListEntry {
        let mut entry = BitstringStatusListEntry::new(&self.list_url, self.index, self.purpose);
        entry.size = self.status_size;
        entry
    }

    /// The entry of a `message` allocation, with what each value means.
    pub fn message_entry(
        &self,
        messages: Vec<StatusMessage>,
    ) -> Result<BitstringStatusListEntry, StatusError> {
        BitstringStatusListEntry::message(&self.list_url, self.index, self.status_size, messages)
    }
}

/// Hands out status list indices: random-looking, never reused, a new list when one fills up.
///
/// ```
/// use civitas_status::allocator::{Allocator, AllocatorConfig};
/// use civitas_status::entry::StatusPurpose;
///
/// let config = AllocatorConfig::new("https://registry.gov.example/status/revocation", StatusPurpose::Revocation);
/// let mut allocator = Allocator::new(config).unwrap();
/// let a = allocator.allocate().unwrap();
/// assert_eq!(a.list_url, "https://registry.gov.example/status/revocation/1");
/// assert!(a.opened_list && a.must_persist);
/// let saved = serde_json::to_string(allocator.state()).unwrap(); // store before using a.index
///
/// // After a restart: a restored allocator never repeats an index handed out before.
/// let mut restored = Allocator::restore(serde_json::from_str(&saved).unwrap()).unwrap();
/// assert_ne!(restored.allocate().unwrap().index, a.index);
/// ```
#[derive(Debug)]
pub struct Allocator {
    state: AllocatorState,
    stored_generation: u64,
    permutation: Option<Permutation>,
    lease: Range<u64>,
}

impl Allocator {
    /// A new allocator (no list opened yet).
    pub fn new(config: AllocatorConfig) -> Result<Self, StatusError> {
        Self::restore(AllocatorState::new(config)?)
    }

    /// An allocator continuing from a stored state. It starts a fresh lease: nothing below the
    /// state's lease mark is handed out again.
    pub fn restore(state: AllocatorState) -> Result<Self, StatusError> {
        state.validate()?;
        let permutation = match &state.open {
            Some(o) => Some(Permutation::new(
                decode_key(&o.key)?,
                state.config.entries_per_list,
            )),
            None => None,
        };
        Ok(Self {
            stored_generation: state.generation,
            state,
            permutation,
            lease: 0..0,
        })
    }

    /// The state to store (see the [module documentation](self)).
    pub fn state(&self) -> &AllocatorState {
        &self.state
    }

    /// The state, consuming the allocator.
    pub fn into_state(self) -> AllocatorState {
        self.state
    }

    /// Positions left in the current lease (handed out without another write).
    pub fn leased_remaining(&self) -> u64 {
        self.lease.end - self.lease.start
    }

    /// Hands out the next index.
    pub fn allocate(&mut self) -> Result<Allocation, StatusError> {
        let previous_generation = self.stored_generation;
        let mut changed = false;
        let mut opened_list = false;
        if self.lease.is_empty() {
            let entries = self.state.config.entries_per_list;
            let lease_size = self.state.config.lease_size;
            let full = self.state.open.as_ref().is_none_or(|o| o.leased >= entries);
            if full {
                self.open_next_list()?;
                opened_list = true;
            }
            let Some(open) = self.state.open.as_mut() else {
                return Err(StatusError::InvalidAllocator {
                    reason: "no list is open".into(),
                });
            };
            let start = open.leased;
            let end = start + lease_size.min(entries - start);
            open.leased = end;
            self.lease = start..end;
            changed = true;
        }
        let (Some(open), Some(permutation)) = (&self.state.open, &self.permutation) else {
            return Err(StatusError::InvalidAllocator {
                reason: "no list is open".into(),
            });
        };
        let position = self.lease.start;
        self.lease.start += 1;
        let index = permutation.apply(position);
        let list_number = open.number;
        if changed {
            self.state.generation += 1;
            self.stored_generation = self.state.generation;
        }
        Ok(Allocation {
            purpose: self.state.config.purpose,
            list_number,
            list_url: self.state.config.list_url(list_number),
            index,
            status_size: self.state.config.status_size,
            entries_per_list: self.state.config.entries_per_list,
            opened_list,
            must_persist: changed,
            previous_generation,
        })
    }

    fn open_next_list(&mut self) -> Result<(), StatusError> {
        let number = self.state.next_list;
        let next = number
            .checked_add(1)
            .ok_or_else(|| StatusError::InvalidAllocator {
                reason: "list numbers are exhausted".into(),
            })?;
        let mut key = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut key)
            .map_err(|e| StatusError::InvalidAllocator {
                reason: format!("the operating system's random number generator failed: {e}"),
            })?;
        self.permutation = Some(Permutation::new(key, self.state.config.entries_per_list));
        self.state.open = Some(OpenList {
            number,
            key: encode_key(&key),
            leased: 0,
        });
        self.state.next_list = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AllocatorConfig {
        AllocatorConfig::new(
            "https://registry.gov.example/status/revocation/",
            StatusPurpose::Revocation,
        )
    }

    #[test]
    fn list_urls_come_from_the_base() {
        assert_eq!(
            config().list_url(3),
            "https://registry.gov.example/status/revocation/3"
        );
        let mut c = config();
        c.base_url = "https://r.example/s".into();
        assert_eq!(c.list_url(12), "https://r.example/s/12");
    }

    #[test]
    fn bad_configurations_are_refused() {
        let cases = [
            config().entries_per_list(1000),
            config().lease_size(0),
            config().lease_size(MIN_ENTRIES + 1),
            AllocatorConfig::new("not a url", StatusPurpose::Revocation),
            AllocatorConfig::new("https://r.example/s#x", StatusPurpose::Revocation),
            config().entries_per_list(u64::MAX),
        ];
        for c in cases {
            assert!(matches!(
                Allocator::new(c),
                Err(StatusError::InvalidAllocator { .. })
            ));
        }
    }

    #[test]
    fn leases_decide_when_to_persist() {
        let mut a = Allocator::new(config().lease_size(3)).unwrap();
        let flags: Vec<(bool, bool)> = (0..7)
            .map(|_| {
                let x = a.allocate().unwrap();
                (x.must_persist, x.opened_list)
            })
            .collect();
        assert_eq!(
            flags,
            [
                (true, true),
                (false, false),
                (false, false),
                (true, false),
                (false, false),
                (false, false),
                (true, false)
            ]
        );
        assert_eq!(a.state().generation(), 3);
        assert_eq!(a.state().leased(), 9);
    }

    #[test]
    fn a_tampered_state_is_refused() {
        let mut a = Allocator::new(config()).unwrap();
        a.allocate().unwrap();
        let mut json = serde_json::to_value(a.state()).unwrap();
        json["open"]["key"] = "zz".into();
        let state: AllocatorState = serde_json::from_value(json.clone()).unwrap();
        assert!(matches!(
            Allocator::restore(state),
            Err(StatusError::InvalidAllocator { .. })
        ));
        json["open"]["key"] = "00".repeat(32).into();
        json["open"]["leased"] = (MIN_ENTRIES + 1).into();
        let state: AllocatorState = serde_json::from_value(json).unwrap();
        assert!(matches!(
            Allocator::restore(state),
            Err(StatusError::InvalidAllocator { .. })
        ));
    }
}
