//! Keyed locks: requests about the same source record id take turns (so that idempotency and
//! supersession decide on what the registry holds), requests about different ones run freely.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// A set of keys currently held.
#[derive(Debug, Default)]
pub(crate) struct KeyedLocks {
    held: Mutex<HashSet<String>>,
    released: Notify,
}

/// Holds keys until dropped.
#[derive(Debug)]
pub(crate) struct KeyedGuard {
    locks: Arc<KeyedLocks>,
    keys: Vec<String>,
}

impl KeyedLocks {
    /// Waits until none of `keys` is held, then holds them all.
    pub(crate) async fn lock(self: &Arc<Self>, keys: Vec<String>) -> KeyedGuard {
        loop {
            let released = self.released.notified();
            {
                let mut held = match self.held.lock() {
                    Ok(h) => h,
                    Err(p) => p.into_inner(),
                };
                if keys.iter().all(|k| !held.contains(k)) {
                    held.extend(keys.iter().cloned());
                    return KeyedGuard {
                        locks: self.clone(),
                        keys,
                    };
                }
            }
            released.await;
        }
    }
}

impl Drop for KeyedGuard {
    fn drop(&mut self) {
        if self.keys.is_empty() {
            return;
        }
        let mut held = match self.locks.held.lock() {
            Ok(h) => h,
            Err(p) => p.into_inner(),
        };
        for k in &self.keys {
            held.remove(k);
        }
        drop(held);
        self.locks.released.notify_waiters();
    }
}
