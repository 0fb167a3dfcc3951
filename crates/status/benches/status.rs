//! civitas-status benchmarks: verifying a 131,072-entry list, a lookup in a verified list,
//! re-signing after one change, decoding `encodedList` alone, and allocating an index.

use std::hint::black_box;

use chrono::Utc;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::verify::DocumentCheck;
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_status::allocator::{Allocator, AllocatorConfig};
use civitas_status::bitstring::{Bitstring, StatusSize};
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::list::{PublishOptions, StatusList};
use civitas_status::verify::verify_status_list;
use criterion::{Criterion, criterion_group, criterion_main};

const URL: &str = "https://registry.gov.example/status/revocation/1";

fn setup() -> (tokio::runtime::Runtime, LocalSigner, StatusList) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let signer =
        LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[5; 32]).unwrap());
    let mut list = StatusList::new(URL, StatusPurpose::Revocation, 131_072).unwrap();
    // 1% revoked, spread out.
    for i in (0..131_072u64).step_by(97) {
        list.revoke(i * 7919 % 131_072).unwrap();
    }
    (rt, signer, list)
}

fn benches(c: &mut Criterion) {
    let (rt, signer, mut list) = setup();
    let issuer = signer.controller().to_owned();
    let options = PublishOptions::new(&issuer);
    let loader = ContextLoader::bundled();
    let proof = ProofOptions::default();
    let signed = rt
        .block_on(list.sign(&options, &signer, &proof, &loader))
        .unwrap();
    let bytes = serde_json::to_vec(&signed).unwrap();
    let checker = DocumentCheck::default();
    let now = Utc::now();

    c.bench_function("decode + verify 131072-entry signed list", |b| {
        b.iter(|| {
            rt.block_on(verify_status_list(black_box(&bytes), &checker, now))
                .unwrap()
        })
    });

    let verified = rt
        .block_on(verify_status_list(&bytes, &checker, now))
        .unwrap();
    let entry = BitstringStatusListEntry::new(URL, 94_567, StatusPurpose::Revocation);
    c.bench_function(
        "lookup: status_for(entry, issuer) in a verified list",
        |b| {
            b.iter(|| {
                verified
                    .status_for(black_box(&entry), black_box(&issuer))
                    .unwrap()
            })
        },
    );
    c.bench_function("lookup: get(index) in a verified list", |b| {
        b.iter(|| verified.get(black_box(94_567), StatusSize::ONE).unwrap())
    });

    let encoded = list.bits().encode();
    c.bench_function("decode encodedList only (131072 bits, 1% set)", |b| {
        b.iter(|| Bitstring::decode(black_box(&encoded)).unwrap())
    });

    let mut next = 1u64;
    c.bench_function("encode + sign after one bit changes", |b| {
        b.iter(|| {
            next = (next * 48_271) % 131_071;
            let _ = list.revoke(next);
            rt.block_on(list.sign(&options, &signer, &proof, &loader))
                .unwrap()
        })
    });

    let mut allocator = Allocator::new(AllocatorConfig::new(
        "https://registry.gov.example/status/revocation",
        StatusPurpose::Revocation,
    ))
    .unwrap();
    c.bench_function("allocate one index", |b| {
        b.iter(|| allocator.allocate().unwrap())
    });
}

criterion_group!(status, benches);
criterion_main!(status);
