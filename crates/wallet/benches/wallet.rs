//! What a holder waits for: opening the wallet (Argon2id with the default 64 MiB / 3 iterations
//! parameters, then the check tag), importing a birth certificate (full verification, sealing,
//! a durable write) and presenting it (signing, a durable consent-log write).
//!
//! `cargo bench -p civitas-wallet --bench wallet`

#[path = "../tests/suite/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::hint::black_box;

use civitas_core::secure::Securing;
use civitas_keys::sealed::KdfParams;
use civitas_wallet::{ImportOptions, ShareRequest, Wallet};
use common::*;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let default_dir = dir.path().join("default-kdf");
    drop(Wallet::create(&default_dir, PASSPHRASE, KdfParams::default()).expect("create"));
    c.benchmark_group("wallet")
        .sample_size(10)
        .bench_function("open (Argon2id 64 MiB, 3 iterations)", |b| {
            b.iter(|| black_box(Wallet::open(&default_dir, PASSPHRASE).expect("open")))
        });

    let (world, verifier) = rt.block_on(async {
        let world = World::new().await;
        let verifier = world.verifier(&[]).await;
        (world, verifier)
    });
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    let mut index = 100;
    c.bench_function("import a birth certificate (verify + seal + write)", |b| {
        b.iter_batched(
            || {
                index += 2;
                rt.block_on(birth(
                    &world.office,
                    &holder,
                    index,
                    Securing::DataIntegrity,
                ))
            },
            |doc| {
                rt.block_on(wallet.import(doc.as_bytes(), &verifier, &ImportOptions::default()))
                    .expect("import")
            },
            criterion::BatchSize::SmallInput,
        )
    });
    let id = wallet.documents().expect("documents")[0].id.clone();
    let request = ShareRequest {
        documents: vec![id],
        challenge: "c".into(),
        domain: "https://bank.example".into(),
        recipient: None,
        holder: None,
    };
    c.bench_function("present one document (sign + consent log write)", |b| {
        b.iter(|| rt.block_on(wallet.present(&request)).expect("present"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
