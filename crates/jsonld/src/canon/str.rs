//! A cheap string for the fast path: borrowed from the input document or shared with the
//! processed contexts, never copied on clone.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

/// A borrowed or reference-counted string.
#[derive(Clone)]
pub(crate) enum S<'a> {
    /// Borrowed from the input document.
    B(&'a str),
    /// Shared (context IRIs, computed IRIs).
    R(Rc<str>),
}

impl Deref for S<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            S::B(s) => s,
            S::R(s) => s,
        }
    }
}

impl PartialEq for S<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (S::R(a), S::R(b)) if Rc::ptr_eq(a, b) => true,
            _ => **self == **other,
        }
    }
}

impl Eq for S<'_> {}

impl PartialOrd for S<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for S<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl std::hash::Hash for S<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl fmt::Debug for S<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// FxHash (rustc's hasher): fast for the short keys of term maps; the fast path never hashes
/// attacker-chosen keys into long-lived maps except bounded per-thread caches.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }

    fn write_usize(&mut self, i: usize) {
        self.write(&i.to_le_bytes());
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
