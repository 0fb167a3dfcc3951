//! The status check of one credential against a warm status list cache (civitas-status).

use std::hint::black_box;

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use civitas_core::credential::Credential;
use civitas_core::data_integrity::ProofOptions;
use serde_json::Value;

use crate::fixture::Fixture;
use crate::measure::{Clock, Figure, Floor, Op, measure};

/// A credential with two status entries (its revocation entry set) and a warm cache holding
/// both signed lists.
pub(crate) struct StatusFixture {
    cache: civitas_status::cache::StatusListCache,
    credential: Credential,
    policy: civitas_status::cache::FreshnessPolicy,
    now: DateTime<Utc>,
}

impl StatusFixture {
    pub(crate) fn new(f: &Fixture) -> Result<Self> {
        use civitas_status::allocator::{Allocator, AllocatorConfig};
        use civitas_status::cache::{FreshnessPolicy, StatusListCache};
        use civitas_status::entry::StatusPurpose;
        use civitas_status::list::{PublishOptions, StatusList};

        let issuer = f.signer.controller().to_owned();
        let cache = StatusListCache::new();
        let now = Utc::now();
        let mut entries = Vec::new();
        for (purpose, name) in [
            (StatusPurpose::Revocation, "revocation"),
            (StatusPurpose::Suspension, "suspension"),
        ] {
            let mut allocator = Allocator::new(AllocatorConfig::new(
                &format!("https://registry.gov.example/status/{name}"),
                purpose,
            ))?;
            let allocation = allocator.allocate()?;
            let entry = allocation.entry();
            let mut list = StatusList::for_allocation(&allocation)?;
            if purpose == StatusPurpose::Revocation {
                list.revoke(entry.index)?;
            }
            let signed = f.rt.block_on(list.sign(
                &PublishOptions::new(&issuer),
                &f.signer,
                &ProofOptions::default(),
                &f.loader,
            ))?;
            f.rt.block_on(cache.load(&serde_json::to_vec(&signed)?, &f.checker, now))?;
            entries.push(entry.to_json());
        }
        let mut doc = f.unsigned.clone();
        doc["credentialStatus"] = Value::Array(entries);
        let fixture = Self {
            cache,
            credential: Credential::from_value(doc)?,
            policy: FreshnessPolicy::online(),
            now,
        };
        if !fixture.check().is_set(StatusPurpose::Revocation) {
            return Err(anyhow!(
                "status lookup: the revoked entry does not read as revoked"
            ));
        }
        Ok(fixture)
    }

    pub(crate) fn check(&self) -> civitas_status::check::CredentialStatus {
        civitas_status::check::CredentialStatus::check(
            &self.credential,
            &self.cache,
            &self.policy,
            self.now,
        )
    }
}

/// Slot: the status check of one credential (its two entries) against a warm cache.
pub(crate) fn status_lookup_figure(
    f: &Fixture,
    rounds: usize,
    clock: Clock,
) -> Result<Vec<Figure>> {
    let s = StatusFixture::new(f)?;
    let mut ops: Vec<(String, Floor, Op<'_>)> = vec![(
        "status check, warm cache (2 entries)".into(),
        Floor::None,
        Box::new(|| {
            black_box(s.check());
        }),
    )];
    let mut figures = measure(&mut ops, rounds, clock);
    for fig in &mut figures {
        fig.note = "civitas-status CredentialStatus::check: 2 list lookups + bit reads".into();
    }
    Ok(figures)
}
