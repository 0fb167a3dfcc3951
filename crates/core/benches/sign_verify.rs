//! Sign and verify a birth certificate: eddsa-rdfc-2022 and vc+jwt, against the raw Ed25519
//! floor measured in the same run, and the strict JSON parse against serde_json's.
//! `cargo bench -p civitas-core`.

use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::{LocalSigner, Signer};
use civitas_testkit::samples;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let signer = LocalSigner::did_key(
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[7; 32]).expect("key"),
    );
    let loader = ContextLoader::bundled();
    let (kind, birth) = samples::sample("birth", None);
    let doc = CredentialBuilder::new(signer.controller())
        .document(&kind, birth)
        .build()
        .expect("credential")
        .into_json();
    let opts = ProofOptions::default();
    let di = rt
        .block_on(secure_credential(
            &doc,
            &signer,
            Securing::DataIntegrity,
            &opts,
            &loader,
        ))
        .expect("sign");
    let jwt = rt
        .block_on(secure_credential(
            &doc,
            &signer,
            Securing::VcJwt,
            &opts,
            &loader,
        ))
        .expect("sign");
    let checker = DocumentCheck::new(
        loader.clone(),
        civitas_keys::resolver::OfflineResolver::new(),
    );
    let vopts = VerifyOptions::default();

    let mut g = c.benchmark_group("birth_certificate");
    g.bench_function("sign_eddsa_rdfc_2022", |b| {
        b.iter(|| {
            rt.block_on(secure_credential(
                &doc,
                &signer,
                Securing::DataIntegrity,
                &opts,
                &loader,
            ))
        })
    });
    g.bench_function("verify_eddsa_rdfc_2022", |b| {
        b.iter(|| rt.block_on(checker.verify(di.as_bytes(), &vopts)))
    });
    // What the strict parser (duplicate member names refused) costs on the verify path, against
    // the last-wins serde_json parse it replaced.
    g.bench_function("parse_strict", |b| {
        b.iter(|| civitas_jsonld::json::parse(std::hint::black_box(di.as_bytes())))
    });
    g.bench_function("parse_serde_json", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(std::hint::black_box(di.as_str())))
    });
    g.bench_function("sign_vc_jwt", |b| {
        b.iter(|| {
            rt.block_on(secure_credential(
                &doc,
                &signer,
                Securing::VcJwt,
                &opts,
                &loader,
            ))
        })
    });
    g.bench_function("verify_vc_jwt", |b| {
        b.iter(|| rt.block_on(checker.verify(jwt.as_bytes(), &vopts)))
    });

    // The floor: a raw Ed25519 signature over the 64-byte hash data, and its verification.
    let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[7; 32]).expect("key");
    let public = signer.public_key();
    let message = [0x5a_u8; 64];
    let signature = key.sign(&message);
    g.bench_function("raw_ed25519_sign", |b| {
        b.iter(|| key.sign(std::hint::black_box(&message)))
    });
    g.bench_function("raw_ed25519_verify", |b| {
        b.iter(|| public.verify(std::hint::black_box(&message), &signature))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
