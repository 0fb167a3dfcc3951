//! Property tests: the bits read back as written, and the wire form round-trips.

use std::collections::BTreeMap;

use civitas_status::bitstring::{Bitstring, MIN_ENTRIES, StatusSize};
use civitas_status::credential::BitstringStatusListCredential;
use civitas_status::entry::StatusPurpose;
use civitas_status::list::StatusList;
use proptest::prelude::*;

fn size() -> impl Strategy<Value = StatusSize> {
    (1u8..=8).prop_map(|b| StatusSize::new(b).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever is written at random indices (of any size) is read back, and nothing else is set.
    #[test]
    fn set_get_round_trip(
        size in size(),
        extra in 0u64..50_000,
        writes in proptest::collection::vec((any::<u64>(), any::<u8>()), 0..300),
    ) {
        let entries = MIN_ENTRIES + extra;
        let mut bits = Bitstring::zeroed(entries, size).unwrap();
        let mut expected = BTreeMap::new();
        for (i, v) in writes {
            let index = i % entries;
            let value = v & size.max_value();
            bits.set(index, size, value).unwrap();
            expected.insert(index, value);
        }
        for (index, value) in &expected {
            prop_assert_eq!(bits.get(*index, size).unwrap(), *value);
        }
        let nonzero: BTreeMap<u64, u8> = bits.nonzero(size).collect();
        let expected_nonzero: BTreeMap<u64, u8> = expected.into_iter().filter(|(_, v)| *v != 0).collect();
        prop_assert_eq!(nonzero, expected_nonzero);
    }

    /// encodedList round-trip over bitstrings of random sizes and contents.
    #[test]
    fn encode_decode_round_trip(
        len in 16_384usize..40_000,
        fill in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..500),
    ) {
        let mut bytes = vec![0u8; len];
        for (i, v) in fill {
            bytes[i % len] = v;
        }
        let bits = Bitstring::from_bytes(bytes);
        let encoded = bits.encode();
        prop_assert!(encoded.starts_with('u'));
        prop_assert!(encoded[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let back = Bitstring::decode(&encoded).unwrap();
        prop_assert_eq!(&back, &bits);
        // The same through a whole list credential.
        let list = BitstringStatusListCredential::new("https://s.example/l/1", "did:example:i", StatusPurpose::Revocation, bits);
        let parsed = BitstringStatusListCredential::from_json(&list.to_json()).unwrap();
        prop_assert_eq!(parsed, list);
    }

    /// An issuer's list survives storage (serde) with its bits and versions.
    #[test]
    fn status_list_storage_round_trip(indices in proptest::collection::vec(0u64..MIN_ENTRIES, 0..100)) {
        let mut list = StatusList::new("https://s.example/l/1", StatusPurpose::Suspension, MIN_ENTRIES).unwrap();
        for i in &indices {
            list.suspend(*i).unwrap();
        }
        let back: StatusList = serde_json::from_str(&serde_json::to_string(&list).unwrap()).unwrap();
        prop_assert_eq!(&back, &list);
        for i in &indices {
            prop_assert_eq!(back.get(*i).unwrap(), 1);
        }
    }
}
