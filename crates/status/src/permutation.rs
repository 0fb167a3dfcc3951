//! A keyed pseudorandom permutation of `0..domain`: a balanced Feistel network over the
//! smallest even number of bits that covers the domain, with SHA-256 as the round function, and
//! cycle-walking to stay inside the domain.
//!
//! The allocator walks positions 0, 1, 2, … through it, so the indices it hands out are
//! distinct by construction and, to anyone without the key, look uniformly random among those
//! not yet used.

use sha2::{Digest, Sha256};

/// Feistel rounds.
const ROUNDS: u8 = 8;

/// Round functions over halves of at most this many bits are tabulated when the permutation is
/// made (8 × 2^half values: 2 MiB at 16 bits; 4 KiB for a 131,072-entry list).
const MAX_TABLE_HALF_BITS: u32 = 16;

/// A permutation of `0..domain` chosen by a 32-byte key.
#[derive(Clone)]
pub(crate) struct Permutation {
    key: [u8; 32],
    domain: u64,
    half_bits: u32,
    mask: u64,
    /// `table[round << half_bits | half]` = the round function, when tabulated.
    table: Vec<u32>,
}

impl std::fmt::Debug for Permutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permutation")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl Permutation {
    /// The permutation of `0..domain` (`domain` ≥ 2, < 2^62) for `key`.
    pub(crate) fn new(key: [u8; 32], domain: u64) -> Self {
        let domain = domain.clamp(2, 1 << 62);
        // Smallest w with 2^w >= domain, rounded up to an even number of bits.
        let bits = 64 - (domain - 1).leading_zeros();
        let bits = bits.max(2).div_ceil(2) * 2;
        let half_bits = bits / 2;
        let mut p = Self {
            key,
            domain,
            half_bits,
            mask: (1u64 << half_bits) - 1,
            table: Vec::new(),
        };
        if half_bits <= MAX_TABLE_HALF_BITS {
            let halves = 1u64 << half_bits;
            p.table = (0..ROUNDS)
                .flat_map(|r| (0..halves).map(move |h| (r, h)))
                .map(|(r, h)| p.hash_round(r, h) as u32)
                .collect();
        }
        p
    }

    fn round(&self, round: u8, half: u64) -> u64 {
        if self.table.is_empty() {
            self.hash_round(round, half)
        } else {
            u64::from(self.table[((u64::from(round) << self.half_bits) | half) as usize])
        }
    }

    fn hash_round(&self, round: u8, half: u64) -> u64 {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update([round]);
        h.update(half.to_le_bytes());
        let digest = h.finalize();
        let mut word = [0u8; 8];
        word.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(word) & self.mask
    }

    fn encrypt_once(&self, x: u64) -> u64 {
        let (mut l, mut r) = (x >> self.half_bits, x & self.mask);
        for i in 0..ROUNDS {
            let next = l ^ self.round(i, r);
            l = r;
            r = next;
        }
        (l << self.half_bits) | r
    }

    fn decrypt_once(&self, y: u64) -> u64 {
        let (mut l, mut r) = (y >> self.half_bits, y & self.mask);
        for i in (0..ROUNDS).rev() {
            let previous = r ^ self.round(i, l);
            r = l;
            l = previous;
        }
        (l << self.half_bits) | r
    }

    /// The image of `position` (which must be below the domain).
    pub(crate) fn apply(&self, position: u64) -> u64 {
        let mut y = self.encrypt_once(position);
        while y >= self.domain {
            y = self.encrypt_once(y);
        }
        y
    }

    /// The position whose image is `index` (which must be below the domain).
    pub(crate) fn invert(&self, index: u64) -> u64 {
        let mut x = self.decrypt_once(index);
        while x >= self.domain {
            x = self.decrypt_once(x);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_permutation_with_an_inverse() {
        for domain in [2u64, 3, 10, 1000, 4096, 5000] {
            let p = Permutation::new([7; 32], domain);
            let mut seen = vec![false; domain as usize];
            for x in 0..domain {
                let y = p.apply(x);
                assert!(y < domain);
                assert!(!seen[y as usize], "domain {domain}: {y} twice");
                seen[y as usize] = true;
                assert_eq!(p.invert(y), x);
            }
        }
    }

    #[test]
    fn the_table_holds_the_hash_rounds() {
        let p = Permutation::new([9; 32], 131_072);
        assert_eq!(p.table.len(), 8 * 512);
        for (r, h) in [(0u8, 0u64), (3, 17), (7, 511)] {
            assert_eq!(p.round(r, h), p.hash_round(r, h));
        }
        let big = Permutation::new([9; 32], 1 << 40);
        assert!(big.table.is_empty());
        assert_eq!(big.invert(big.apply(12_345)), 12_345);
    }

    #[test]
    fn different_keys_give_different_orders() {
        let a = Permutation::new([1; 32], 131_072);
        let b = Permutation::new([2; 32], 131_072);
        let first_a: Vec<u64> = (0..8).map(|x| a.apply(x)).collect();
        let first_b: Vec<u64> = (0..8).map(|x| b.apply(x)).collect();
        assert_ne!(first_a, first_b);
    }
}
