//! Full verification of a birth certificate by a bundle-loaded verifier with a warm status cache
//! (syntax, RDFC-1.0 canonicalization, Ed25519 signature, issuer binding, trust list, key window,
//! validity, schema, revocation and suspension), on one core, against the raw Ed25519 verify
//! floor measured in the same run.
//!
//! `cargo bench -p civitas-verifier --bench verify`

#[path = "../tests/suite/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::hint::black_box;
use std::time::Duration;

use civitas_core::report::Verdict;
use civitas_core::secure::{Securing, secure_credential};
use civitas_verifier::Verifier;
use civitas_verifier::bundle::BundleBuilder;
use common::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (verifier, birth, jwt) = rt.block_on(async {
        let w = World::new().await;
        let mut builder = BundleBuilder::new(w.anchors())
            .trust_list(w.trust_list.clone())
            .created_at(now());
        for list in w.registry_lists(&[20], &[31]).await {
            builder = builder.status_list(list, now() - chrono::Duration::hours(1));
        }
        let bundle = builder.build().await.expect("bundle");
        let verifier = Verifier::from_bundle(&bundle, w.anchors(), Duration::from_secs(86_400))
            .await
            .expect("verifier");
        let birth = w.valid_birth().await;
        let unsigned = w
            .registry
            .birth(None, 10, now() - chrono::Duration::days(1))
            .build()
            .expect("birth");
        let jwt = secure_credential(
            unsigned.json(),
            &w.registry.signer,
            Securing::VcJwt,
            &Default::default(),
            &civitas_jsonld::contexts::ContextLoader::bundled(),
        )
        .await
        .expect("jwt");
        (verifier, birth, jwt)
    });
    for doc in [&birth, &jwt] {
        let report = rt.block_on(verifier.verify(doc.as_bytes(), &opts()));
        assert_eq!(report.verdict, Verdict::Valid, "{report}");
    }

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(
        "birth certificate, eddsa-rdfc-2022, full (bundle, warm status cache)",
        |b| {
            let options = opts();
            b.iter(|| rt.block_on(verifier.verify(black_box(birth.as_bytes()), &options)))
        },
    );
    group.bench_function(
        "birth certificate, vc+jwt, full (bundle, warm status cache)",
        |b| {
            let options = opts();
            b.iter(|| rt.block_on(verifier.verify(black_box(jwt.as_bytes()), &options)))
        },
    );
    // The same document through civitas-core's DocumentCheck alone (same contexts and pinned
    // documents, no trust or status policy): what the deployment's policies cost on top.
    let plain = civitas_core::verify::DocumentCheck::with_shared_resolver(
        verifier.document_check().loader().clone(),
        verifier.document_check().resolver().clone(),
    );
    group.bench_function(
        "birth certificate, eddsa-rdfc-2022, core checks only",
        |b| {
            let options = opts();
            b.iter(|| rt.block_on(plain.verify(black_box(birth.as_bytes()), &options)))
        },
    );
    // The floor: one Ed25519 signature check over a 64-byte hashData (what eddsa-rdfc-2022
    // signs), with ed25519-dalek directly.
    let key = SigningKey::from_bytes(&[7; 32]);
    let message = [0x5a_u8; 64];
    let signature = key.sign(&message);
    let public = key.verifying_key();
    group.bench_function("raw Ed25519 verify (floor)", |b| {
        b.iter(|| public.verify(black_box(&message), black_box(&signature)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
