//! Allocation: random-looking, never reused, a new list when one is full, safe across restores.

use std::collections::HashSet;

use civitas_status::allocator::{Allocation, Allocator, AllocatorConfig, AllocatorState};
use civitas_status::bitstring::MIN_ENTRIES;
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::list::StatusList;
use proptest::prelude::*;

const BASE: &str = "https://registry.gov.example/status/revocation";

fn config(lease: u64) -> AllocatorConfig {
    AllocatorConfig::new(BASE, StatusPurpose::Revocation).lease_size(lease)
}

/// A store that keeps the last persisted state and refuses stale writes (compare-and-swap on
/// the generation), as an issuer's database would.
struct Store {
    json: String,
    generation: u64,
}

impl Store {
    fn new(state: &AllocatorState) -> Self {
        Self {
            json: serde_json::to_string(state).unwrap(),
            generation: state.generation(),
        }
    }

    /// Persists if the allocation asks for it; false if the compare-and-swap fails.
    fn persist(&mut self, allocation: &Allocation, state: &AllocatorState) -> bool {
        if !allocation.must_persist {
            return true;
        }
        if self.generation != allocation.previous_generation {
            return false;
        }
        self.json = serde_json::to_string(state).unwrap();
        self.generation = state.generation();
        true
    }

    fn restore(&self) -> Allocator {
        Allocator::restore(serde_json::from_str(&self.json).unwrap()).unwrap()
    }
}

#[test]
fn a_full_list_is_a_permutation_and_the_next_allocation_opens_list_2() {
    let mut a = Allocator::new(config(64)).unwrap();
    let mut seen = vec![false; MIN_ENTRIES as usize];
    for n in 0..MIN_ENTRIES {
        let x = a.allocate().unwrap();
        assert_eq!(x.list_number, 1);
        assert_eq!(x.opened_list, n == 0);
        assert!(!seen[x.index as usize], "index {} twice", x.index);
        seen[x.index as usize] = true;
    }
    assert!(
        seen.iter().all(|s| *s),
        "every index of the list is used once"
    );
    let next = a.allocate().unwrap();
    assert_eq!(next.list_number, 2);
    assert_eq!(next.list_url, format!("{BASE}/2"));
    assert!(next.opened_list && next.must_persist);
}

#[test]
fn indices_are_not_sequential() {
    let mut a = Allocator::new(config(64)).unwrap();
    let first: Vec<u64> = (0..2000).map(|_| a.allocate().unwrap().index).collect();
    let adjacent = first
        .windows(2)
        .filter(|w| w[0].abs_diff(w[1]) <= 1)
        .count();
    assert!(
        adjacent < 5,
        "{adjacent} adjacent pairs in 2000 allocations"
    );
    let ascending = first.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(
        (800..1200).contains(&ascending),
        "{ascending} ascending steps of 1999: not random-looking"
    );
    // Spread over the whole list: each eighth of the index space gets its share.
    let mut buckets = [0u32; 8];
    for i in &first {
        buckets[(*i * 8 / MIN_ENTRIES) as usize] += 1;
    }
    assert!(
        buckets.iter().all(|b| (150..350).contains(b)),
        "{buckets:?}"
    );
    // Two allocators (two lists) order their indices differently.
    let mut b = Allocator::new(config(64)).unwrap();
    let other: Vec<u64> = (0..20).map(|_| b.allocate().unwrap().index).collect();
    assert_ne!(&first[..20], &other[..]);
}

#[test]
fn an_allocation_makes_the_entry_and_the_list() {
    let mut a = Allocator::new(config(1)).unwrap();
    let x = a.allocate().unwrap();
    let entry = x.entry();
    assert_eq!(
        entry,
        BitstringStatusListEntry::new(&format!("{BASE}/1"), x.index, StatusPurpose::Revocation)
    );
    let mut list = StatusList::for_allocation(&x).unwrap();
    assert_eq!(list.url(), x.list_url);
    assert_eq!(list.entries(), MIN_ENTRIES);
    list.revoke(x.index).unwrap();
}

#[test]
fn restoring_the_stored_state_never_repeats_an_index() {
    let mut a = Allocator::new(config(10)).unwrap();
    let mut store = Store::new(a.state());
    let mut handed_out = HashSet::new();
    for round in 0..50 {
        // Hand out a few, then "crash" and restore from what was stored.
        for _ in 0..(round % 23 + 1) {
            let x = a.allocate().unwrap();
            assert!(store.persist(&x, a.state()));
            assert!(
                handed_out.insert((x.list_number, x.index)),
                "{x:?} handed out twice"
            );
        }
        a = store.restore();
    }
}

#[test]
fn two_allocators_restored_from_the_same_state_never_collide() {
    let mut first = Allocator::new(config(8)).unwrap();
    let mut store = Store::new(first.state());
    let x = first.allocate().unwrap();
    assert!(store.persist(&x, first.state()));

    // Two processes restore the same stored state.
    let mut a = store.restore();
    let mut b = store.restore();
    let mut used = HashSet::from([x.index]);
    let mut refused = 0;
    for step in 0..500 {
        let (me, other) = if step % 3 == 0 {
            (&mut b, &mut a)
        } else {
            (&mut a, &mut b)
        };
        let y = me.allocate().unwrap();
        if store.persist(&y, me.state()) {
            assert!(used.insert(y.index), "index {} handed out twice", y.index);
        } else {
            // The other allocator took this block first: this index must not be used.
            refused += 1;
            *me = store.restore();
        }
        let _ = other;
    }
    assert!(refused > 0, "the two allocators did race for blocks");
}

#[test]
fn recovering_an_old_backup_skips_what_was_issued_after_it() {
    // The open list survives: the backup's lease mark moves past the used indices.
    let mut a = Allocator::new(config(4)).unwrap();
    a.allocate().unwrap();
    let backup = a.state().clone();
    let later: Vec<(u64, u64)> = (0..37)
        .map(|_| {
            let x = a.allocate().unwrap();
            (x.list_number, x.index)
        })
        .collect();
    let mut state = backup.clone();
    state.recover(later.iter().copied()).unwrap();
    let mut restored = Allocator::restore(state).unwrap();
    for _ in 0..2000 {
        let x = restored.allocate().unwrap();
        assert!(
            !later.contains(&(x.list_number, x.index)),
            "{x:?} re-issued"
        );
    }

    // Lists opened after the backup: the allocator moves past the highest one.
    let mut state = backup;
    state.recover([(1, 5), (3, 17)]).unwrap();
    let mut restored = Allocator::restore(state).unwrap();
    let x = restored.allocate().unwrap();
    assert_eq!(x.list_number, 4);
    assert!(x.opened_list);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3))]

    /// 131,072 allocations from one list (with a crash and restore in the middle, and any
    /// lease size) are all distinct; the next allocation opens a new list.
    #[test]
    fn one_list_of_distinct_indices_then_a_new_list(lease in 1u64..5000, crash_at in 1u64..MIN_ENTRIES) {
        let mut a = Allocator::new(config(lease)).unwrap();
        let mut store = Store::new(a.state());
        let mut seen = HashSet::with_capacity(MIN_ENTRIES as usize);
        let mut handed = 0u64;
        loop {
            if handed == crash_at {
                a = store.restore();
            }
            let x = a.allocate().unwrap();
            prop_assert!(store.persist(&x, a.state()));
            if x.list_number == 2 {
                prop_assert!(x.opened_list);
                break;
            }
            prop_assert!(seen.insert(x.index), "index {} twice", x.index);
            prop_assert!(x.index < MIN_ENTRIES);
            handed += 1;
        }
        // At most one lease was lost to the crash.
        prop_assert!(handed <= MIN_ENTRIES && handed + lease >= MIN_ENTRIES, "{handed}");
    }
}
