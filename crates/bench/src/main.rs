//! `civitas-bench`: civitas' performance figures in one run, each next to the raw Ed25519 floor
//! measured in the same run.
//!
//! ```text
//! cargo run --release -p civitas-bench                 # everything but the JS stack
//! cargo run --release -p civitas-bench -- --js         # also the JS stack, and civitas/JS
//! cargo run --release -p civitas-bench -- --breakdown  # also the pieces of one verify
//! ```
//!
//! Figures (medians over interleaved rounds, one thread, warm caches, a signed birth
//! certificate): raw Ed25519 sign and verify; civitas sign and verify with Data Integrity
//! (`eddsa-rdfc-2022`) and `vc+jwt`; the same with the canonicalization fast path switched off
//! (what civitas did before it); ssi 0.16 used directly on the same credential; the status
//! check with a warm status list cache; durable batch issuance through civitas-issuer's batch
//! API (sign + status allocation + registry write, group commit, on all cores; a fresh sled
//! registry in a temporary directory; `--batches`, `--batch-size`, `--in-flight`); peak
//! resident memory while verifying 100,000 credentials in a loop (in a child process, so that
//! nothing else is counted); with `--js`, Digital Bazaar's JS stack on the same credential
//! (through civitas-testkit's interop peer) and the civitas/JS ratio.
//!
//! For profilers: `--profile-verify N`, `--profile-sign N`, `--profile-canon N`,
//! `--profile-status N` run only that operation in `profile_loop` (`--profile-issuance` only
//! the durable batch issuance), e.g.
//! `valgrind --tool=callgrind --toggle-collect='civitas_bench::profile_loop*' civitas-bench
//! --profile-verify 300` or `perf record --call-graph dwarf civitas-bench --profile-verify
//! 15000`.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow};
use chrono::{DateTime, Utc};
use civitas_core::credential::{Credential, CredentialBuilder};
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model::samples;
use civitas_core::report::Verdict;
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{Checker, VerifyOptions};
use civitas_jsonld::canon;
use civitas_jsonld::contexts::{BUNDLED, CIVIL_REGISTRY_V1, ContextLoader};
use civitas_keys::keys::{KeyAlgorithm, KeyPair, PublicKey};
use civitas_keys::signer::LocalSigner;
use clap::Parser;
use serde_json::{Value, json};

mod issuance;

/// The allocator of civitas' binaries (see the workspace manifest).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "civitas-bench",
    about = "civitas performance figures against the raw Ed25519 floor"
)]
struct Args {
    /// Also time Digital Bazaar's JS stack (needs node; see crates/testkit) and print civitas/JS.
    #[arg(long)]
    js: bool,
    /// Operations the JS stack times per figure.
    #[arg(long, default_value_t = 500)]
    js_n: usize,
    /// Rounds per figure (each round times a batch of about 2 ms); the median is printed.
    #[arg(long, default_value_t = 31)]
    rounds: usize,
    /// Also time the pieces of one verify (parse, canonicalize, resolve, schema, ...).
    #[arg(long)]
    breakdown: bool,
    /// Credentials verified in the memory loop (0: skip).
    #[arg(long, default_value_t = 100_000)]
    memory: usize,
    /// Batches timed for the durable batch issuance figure (0: skip).
    #[arg(long, default_value_t = 10)]
    batches: usize,
    /// Certificates per batch for the durable batch issuance figure.
    #[arg(long, default_value_t = 1000)]
    batch_size: usize,
    /// Batches submitted at the same time for the durable batch issuance figure.
    #[arg(long, default_value_t = 2)]
    in_flight: usize,
    /// Print the figures as one JSON document instead of a table.
    #[arg(long)]
    json: bool,
    /// Time with the wall clock instead of the measuring thread's CPU time (which leaves out
    /// the time other processes take the core).
    #[arg(long)]
    wall_clock: bool,
    /// Internal: run the memory loop in this process and print its JSON line.
    #[arg(long, hide = true)]
    memory_child: Option<usize>,
    /// For profilers: only verify the Data Integrity credential this many times
    /// (`valgrind --tool=callgrind --toggle-collect=civitas_bench::profile_loop ...`).
    #[arg(long, value_name = "N")]
    profile_verify: Option<usize>,
    /// For profilers: only sign the credential with Data Integrity this many times.
    #[arg(long, value_name = "N")]
    profile_sign: Option<usize>,
    /// For profilers: only canonicalize the credential (fast path) this many times.
    #[arg(long, value_name = "N")]
    profile_canon: Option<usize>,
    /// For profilers: only run the durable batch issuance (`--batches`, `--batch-size`,
    /// `--in-flight`) and print its throughput.
    #[arg(long)]
    profile_issuance: bool,
    /// For profilers: only check the status of the credential (warm cache) this many times.
    #[arg(long, value_name = "N")]
    profile_status: Option<usize>,
}

/// The loop profilers look at (see `--profile-verify`, `--profile-sign`).
#[inline(never)]
fn profile_loop(n: usize, mut op: impl FnMut()) {
    for _ in 0..n {
        op();
    }
}

/// What a figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Floor {
    /// Raw Ed25519 verify.
    Verify,
    /// Raw Ed25519 sign + verify (a civitas signature is checked before it is handed out).
    SignVerify,
    /// Raw Ed25519 sign.
    Sign,
    /// No floor (pieces of a verify, lookups).
    None,
}

/// One measured figure.
#[derive(Debug, Clone)]
struct Figure {
    name: String,
    median_us: f64,
    floor: Floor,
    /// The median over rounds of this figure's time divided by its floor's time in the same
    /// round (the floor is measured right before it): a noisy neighbour slows both alike
    /// within a round, far less alike across rounds.
    paired: Option<f64>,
    note: String,
}

type Op<'a> = Box<dyn FnMut() + 'a>;

/// Nanoseconds this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`), so that time spent
/// preempted by other processes is not counted.
fn thread_cpu_ns() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    let ns = u64::try_from(t.tv_sec).ok()? * 1_000_000_000 + u64::try_from(t.tv_nsec).ok()?;
    (ns > 0).then_some(ns)
}

/// A clock: thread CPU time when the system provides it, wall-clock time otherwise.
#[derive(Clone, Copy)]
struct Clock {
    cpu: bool,
}

impl Clock {
    fn new(wall: bool) -> Self {
        Self {
            cpu: !wall && thread_cpu_ns().is_some(),
        }
    }

    fn now(self, wall_start: Instant) -> f64 {
        if self.cpu {
            thread_cpu_ns().map_or(0.0, |ns| ns as f64 / 1e3)
        } else {
            wall_start.elapsed().as_secs_f64() * 1e6
        }
    }

    fn name(self) -> &'static str {
        if self.cpu {
            "thread CPU time"
        } else {
            "wall-clock time"
        }
    }
}

/// Times `ops` in interleaved rounds; each round runs a batch sized to about 2 ms per op,
/// after one untimed call.
fn measure(ops: &mut [(String, Floor, Op<'_>)], rounds: usize, clock: Clock) -> Vec<Figure> {
    let mut batch = Vec::with_capacity(ops.len());
    for (_, _, op) in ops.iter_mut() {
        for _ in 0..20 {
            op();
        }
        let t = Instant::now();
        let mut n = 0u64;
        while t.elapsed().as_micros() < 2_000 || n < 3 {
            op();
            n += 1;
        }
        batch.push(n.max(1));
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); ops.len()];
    let origin = Instant::now();
    for _ in 0..rounds.max(1) {
        for (i, (_, _, op)) in ops.iter_mut().enumerate() {
            // Warm caches (the target's condition): the other figures of the round have just
            // run, so one untimed call brings this one's code and data back first.
            op();
            let t = clock.now(origin);
            for _ in 0..batch[i] {
                op();
            }
            samples[i].push((clock.now(origin) - t) / batch[i] as f64);
        }
    }
    let sign = ops.iter().position(|(_, f, _)| *f == Floor::Sign);
    let verify = ops
        .iter()
        .position(|(n, f, _)| *f == Floor::Verify && n.starts_with("raw"));
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let paired = |floor: Floor, s: &[f64]| {
        let per_round = |f: &dyn Fn(usize) -> f64| (0..s.len()).map(|r| s[r] / f(r)).collect();
        match (floor, sign, verify) {
            (Floor::Verify, _, Some(v)) => median(per_round(&|r| samples[v][r])),
            (Floor::Sign, Some(g), _) => median(per_round(&|r| samples[g][r])),
            (Floor::SignVerify, Some(g), Some(v)) => {
                median(per_round(&|r| samples[g][r] + samples[v][r]))
            }
            _ => None,
        }
    };
    ops.iter()
        .zip(&samples)
        .map(|((name, floor, _), s)| Figure {
            name: name.clone(),
            median_us: median(s.clone()).unwrap_or(f64::NAN),
            floor: *floor,
            paired: paired(*floor, s),
            note: String::new(),
        })
        .collect()
}

/// Everything the figures share: one issuer, one birth certificate, its signed forms.
struct Fixture {
    rt: tokio::runtime::Runtime,
    key: KeyPair,
    signer: LocalSigner,
    loader: ContextLoader,
    checker: Checker,
    unsigned: Value,
    di: String,
    jwt: String,
    options: ProofOptions,
    verify_options: VerifyOptions,
}

const SEED: &[u8; 32] = b"civitas-bench-issuer-seed-32byte";

fn status_entry(purpose: &str, index: u64) -> Value {
    let url = format!("https://registry.gov.example/status/{purpose}/1");
    json!({
        "id": format!("{url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": url,
    })
}

impl Fixture {
    fn new() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, SEED)?;
        let signer = LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, SEED)?);
        let loader = ContextLoader::bundled();
        let created: DateTime<Utc> = "2026-01-15T09:00:00Z".parse()?;
        let unsigned = CredentialBuilder::new(signer.controller())
            .id("urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30")
            .valid_from(created)
            .status(status_entry("revocation", 94_567))
            .status(status_entry("suspension", 20_417))
            .document(&samples::birth_certificate())
            .build()?
            .into_json();
        let options = ProofOptions {
            created: Some(created),
            ..ProofOptions::default()
        };
        let di = rt.block_on(secure_credential(
            &unsigned,
            &signer,
            Securing::DataIntegrity,
            &options,
            &loader,
        ))?;
        let jwt = rt.block_on(secure_credential(
            &unsigned,
            &signer,
            Securing::VcJwt,
            &options,
            &loader,
        ))?;
        let checker = Checker::new(
            loader.clone(),
            civitas_keys::resolver::OfflineResolver::new(),
        );
        let verify_options = VerifyOptions::default();
        let f = Self {
            rt,
            key,
            signer,
            loader,
            checker,
            unsigned,
            di,
            jwt,
            options,
            verify_options,
        };
        for (what, token) in [("Data Integrity", &f.di), ("vc+jwt", &f.jwt)] {
            let report =
                f.rt.block_on(f.checker.verify(token.as_bytes(), &f.verify_options));
            if report.verdict != Verdict::Valid {
                return Err(anyhow!("the {what} credential does not verify:\n{report}"));
            }
        }
        Ok(f)
    }

    fn verify(&self, token: &str) -> Verdict {
        self.rt
            .block_on(self.checker.verify(token.as_bytes(), &self.verify_options))
            .verdict
    }

    fn sign(&self, securing: Securing) -> String {
        self.rt
            .block_on(secure_credential(
                &self.unsigned,
                &self.signer,
                securing,
                &self.options,
                &self.loader,
            ))
            .unwrap_or_default()
    }
}

/// ssi 0.16 used directly, as in ../shared/guides/ssi-0.16.md (`sign_with`, `verify`).
mod ssi_direct {
    use std::collections::HashMap;

    use anyhow::{Result, anyhow};
    use ssi::JWK;
    use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrity};
    use ssi::claims::vc::v2::JsonCredential;
    use ssi::claims::{SignatureEnvironment, VerificationParameters};
    use ssi::dids::{DIDKey, VerificationMethodDIDResolver};
    use ssi::verification_methods::{AnyMethod, ReferenceOrOwned, SingleSecretSigner};

    /// ssi's pieces, built once.
    pub struct Ssi {
        loader: ssi::json_ld::ContextLoader,
        jwk: JWK,
    }

    fn resolver() -> VerificationMethodDIDResolver<DIDKey, AnyMethod> {
        VerificationMethodDIDResolver::new(DIDKey)
    }

    impl Ssi {
        pub fn new(key: &civitas_keys::keys::KeyPair) -> Result<Self> {
            let map: HashMap<String, String> = civitas_jsonld::contexts::BUNDLED
                .iter()
                .map(|(u, t)| ((*u).to_owned(), (*t).to_owned()))
                .collect();
            let loader = ssi::json_ld::ContextLoader::empty()
                .with_context_map_from(map)
                .map_err(|e| anyhow!("ssi loader: {e}"))?;
            let jwk: JWK = serde_json::from_value(serde_json::to_value(key.to_private_jwk())?)?;
            Ok(Self { loader, jwk })
        }

        /// Parses and verifies a Data Integrity credential (bytes in, verdict out).
        pub async fn verify(&self, json: &str) -> bool {
            let parsed: Result<DataIntegrity<JsonCredential, AnySuite>, _> =
                ssi::claims::data_integrity::from_json_str(json);
            let Ok(vc) = parsed else {
                return false;
            };
            let params = VerificationParameters::from_resolver(resolver())
                .with_json_ld_loader(self.loader.clone());
            matches!(vc.verify(&params).await, Ok(Ok(())))
        }

        /// Signs the unsigned credential with eddsa-rdfc-2022 (`sign_with`).
        pub async fn sign(&self, unsigned: &serde_json::Value) -> Result<String> {
            let cred: JsonCredential = serde_json::from_value(unsigned.clone())?;
            let vm = DIDKey::generate_url(&self.jwk.to_public()).map_err(|e| anyhow!("{e}"))?;
            let env = SignatureEnvironment {
                json_ld_loader: self.loader.clone(),
                eip712_loader: (),
            };
            let signer = SingleSecretSigner::new(self.jwk.clone()).into_local();
            let opts = ssi::claims::data_integrity::ProofOptions::from_method(
                ReferenceOrOwned::Reference(vm.into_iri()),
            );
            let signed = AnySuite::EdDsaRdfc2022
                .sign_with(env, cred, resolver(), &signer, opts, Default::default())
                .await
                .map_err(|e| anyhow!("ssi sign: {e}"))?;
            Ok(serde_json::to_string(&signed)?)
        }
    }
}

/// The raw Ed25519 floor: a signature over the 64 bytes eddsa-rdfc-2022 signs, and its check.
fn floor_ops<'a>(
    f: &'a Fixture,
    public: &'a PublicKey,
    message: &'a [u8; 64],
    signature: &'a [u8],
) -> Vec<(String, Floor, Op<'a>)> {
    vec![
        (
            "raw Ed25519 sign (64-byte message)".into(),
            Floor::Sign,
            Box::new(move || {
                black_box(f.key.sign(black_box(message)));
            }),
        ),
        (
            "raw Ed25519 verify".into(),
            Floor::Verify,
            Box::new(move || {
                let _ = black_box(public.verify(black_box(message), signature));
            }),
        ),
    ]
}

/// A credential with two status entries (its revocation entry set) and a warm cache holding
/// both signed lists.
struct StatusFixture {
    cache: civitas_status::cache::StatusListCache,
    credential: Credential,
    policy: civitas_status::cache::FreshnessPolicy,
    now: DateTime<Utc>,
}

impl StatusFixture {
    fn new(f: &Fixture) -> Result<Self> {
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

    fn check(&self) -> civitas_status::check::CredentialStatus {
        civitas_status::check::CredentialStatus::check(
            &self.credential,
            &self.cache,
            &self.policy,
            self.now,
        )
    }
}

/// Slot: the status check of one credential (its two entries) against a warm cache.
fn status_lookup_figure(f: &Fixture, rounds: usize, clock: Clock) -> Result<Vec<Figure>> {
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

/// Durable batch issuance through civitas-issuer's batch API (see [`issuance`]).
fn durable_batch_issuance_figures(
    batches: usize,
    batch: usize,
    in_flight: usize,
) -> Result<Vec<Figure>> {
    let t = issuance::run(batches, batch, in_flight)?;
    Ok(vec![Figure {
        paired: None,
        name: "durable batch issuance, per certificate".into(),
        median_us: 1e6 / t.per_second,
        floor: Floor::None,
        note: format!(
            "{:.0} certificates/s: {} batches of {}, {} in flight, wall clock, all cores \
             (median batch acknowledged in {:.0} ms)",
            t.per_second,
            t.certificates / t.batch.max(1),
            t.batch,
            t.in_flight,
            t.median_batch_seconds * 1e3
        ),
    }])
}

fn breakdown_ops<'a>(
    f: &'a Fixture,
    parsed: &'a Value,
    config: &'a Value,
    unsecured: &'a Value,
) -> Vec<(String, Floor, Op<'a>)> {
    let did = f.signer.controller().to_owned();
    let resolver = civitas_keys::resolver::OfflineResolver::new();
    let credential = Credential::from_value(parsed.clone()).ok();
    vec![
        (
            "  parse JSON (serde_json)".into(),
            Floor::None,
            Box::new(move || {
                black_box(civitas_core::credential::parse_json(f.di.as_bytes()).ok());
            }),
        ),
        (
            "  canonicalize document (fast path)".into(),
            Floor::None,
            Box::new(move || {
                black_box(canon::fast_canonicalize(unsecured, &f.loader).ok());
            }),
        ),
        (
            "  canonicalize proof config (fast path)".into(),
            Floor::None,
            Box::new(move || {
                black_box(canon::fast_canonicalize(config, &f.loader).ok());
            }),
        ),
        (
            "  canonicalize document (general path, ssi)".into(),
            Floor::None,
            Box::new(move || {
                black_box(
                    f.rt.block_on(canon::general_canonicalize(unsecured, &f.loader))
                        .ok(),
                );
            }),
        ),
        (
            "  resolve did:key".into(),
            Floor::None,
            Box::new(move || {
                black_box(resolver.resolve_now(&did).ok());
            }),
        ),
        (
            "  JSON Schema validation".into(),
            Floor::None,
            Box::new(move || {
                black_box(civitas_core::schema::validate(
                    civitas_core::schema::BIRTH_CERTIFICATE_SCHEMA,
                    unsecured,
                ))
                .ok();
            }),
        ),
        (
            "  record rules (model::parse_subject)".into(),
            Floor::None,
            Box::new(move || {
                if let Some(c) = &credential
                    && let Some(s) = c.subjects().first()
                {
                    black_box(
                        civitas_core::model::parse_subject::<civitas_core::model::BirthCertificate>(s)
                            .ok(),
                    );
                }
            }),
        ),
    ]
}

fn rss_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The memory loop, in this (child) process: verifies `n` credentials and reports resident
/// memory along the way and its peak.
fn memory_child(n: usize) -> Result<()> {
    let f = Fixture::new()?;
    let start = rss_kb("VmRSS:").unwrap_or(0);
    let mut samples = Vec::new();
    let step = (n / 10).max(1);
    let t = Instant::now();
    for i in 1..=n {
        if f.verify(&f.di) != Verdict::Valid {
            return Err(anyhow!("verification failed in the memory loop"));
        }
        if i % step == 0 {
            samples.push(json!([i, rss_kb("VmRSS:").unwrap_or(0)]));
        }
    }
    println!(
        "{}",
        json!({
            "n": n,
            "seconds": t.elapsed().as_secs_f64(),
            "rss_start_kb": start,
            "rss_end_kb": rss_kb("VmRSS:").unwrap_or(0),
            "peak_kb": rss_kb("VmHWM:").unwrap_or(0),
            "samples": samples,
        })
    );
    Ok(())
}

fn memory_figures(n: usize) -> Result<Value> {
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(exe)
        .args(["--memory-child", &n.to_string()])
        .output()
        .context("running the memory loop")?;
    if !out.status.success() {
        return Err(anyhow!(
            "memory loop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The JS stack's figures (p50 µs) by bench name: `verify`, `issue`, `raw_ed25519_verify`.
fn js_figures(f: &Fixture, n: usize) -> Result<Option<(HashMap<String, f64>, Value)>> {
    let Some(peer) = civitas_testkit::js::JsPeer::get() else {
        return Ok(None);
    };
    let ctx = f
        .loader
        .source(CIVIL_REGISTRY_V1)
        .ok_or_else(|| anyhow!("civil-registry context missing"))?;
    let lines = peer.bench(&f.di, &[(CIVIL_REGISTRY_V1, ctx)], n);
    let mut out = HashMap::new();
    let mut env = Value::Null;
    for l in lines {
        let name = l["bench"].as_str().unwrap_or("").to_owned();
        if name == "env" {
            env = l;
        } else if let Some(p50) = l["p50_us"].as_f64() {
            out.insert(name, p50);
        }
    }
    Ok(Some((out, env)))
}

fn fmt_us(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else if us >= 10.0 {
        format!("{us:.1} µs")
    } else {
        format!("{us:.2} µs")
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(n) = args.memory_child {
        return memory_child(n);
    }
    if args.profile_issuance {
        let t = issuance::run(args.batches, args.batch_size, args.in_flight)?;
        println!(
            "durable batch issuance: {:.0} certificates/s ({} certificates, median batch {:.0} ms)",
            t.per_second,
            t.certificates,
            t.median_batch_seconds * 1e3
        );
        return Ok(());
    }
    let f = Fixture::new()?;
    if let Some(n) = args.profile_verify {
        profile_loop(20, || {
            black_box(f.verify(&f.di));
        });
        profile_loop(n, || {
            black_box(f.verify(&f.di));
        });
        return Ok(());
    }
    if let Some(n) = args.profile_canon {
        let doc: Value = serde_json::from_str(&f.di)?;
        profile_loop(20, || {
            black_box(canon::fast_canonicalize(&doc, &f.loader).ok());
        });
        profile_loop(n, || {
            black_box(canon::fast_canonicalize(&doc, &f.loader).ok());
        });
        return Ok(());
    }
    if let Some(n) = args.profile_status {
        let s = StatusFixture::new(&f)?;
        let started = Instant::now();
        profile_loop(n, || {
            black_box(s.check());
        });
        let ns = started.elapsed().as_nanos() / (n.max(1) as u128);
        println!("status check: {ns} ns per credential (mean of {n}, wall clock)");
        return Ok(());
    }
    if let Some(n) = args.profile_sign {
        profile_loop(20, || {
            black_box(f.sign(Securing::DataIntegrity));
        });
        profile_loop(n, || {
            black_box(f.sign(Securing::DataIntegrity));
        });
        return Ok(());
    }
    let ssi = ssi_direct::Ssi::new(&f.key)?;
    if !f.rt.block_on(ssi.verify(&f.di)) {
        return Err(anyhow!("ssi does not verify civitas' credential"));
    }
    let public = f.key.public_key();
    let message = [0x5a_u8; 64];
    let signature = f.key.sign(&message);
    let rounds = args.rounds;
    let clock = Clock::new(args.wall_clock);

    // The figures of the target, side by side (interleaved rounds).
    let mut ops = floor_ops(&f, &public, &message, &signature);
    let fr = &f;
    let ssi_ref = &ssi;
    ops.push((
        "civitas verify, Data Integrity (eddsa-rdfc-2022)".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.verify(&fr.di));
        }),
    ));
    ops.push((
        "civitas sign, Data Integrity (eddsa-rdfc-2022)".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.sign(Securing::DataIntegrity));
        }),
    ));
    ops.push((
        "civitas verify, vc+jwt".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.verify(&fr.jwt));
        }),
    ));
    ops.push((
        "civitas sign, vc+jwt".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.sign(Securing::VcJwt));
        }),
    ));
    ops.push((
        "ssi 0.16 directly: parse + verify (DI)".into(),
        Floor::Verify,
        Box::new(move || {
            black_box(fr.rt.block_on(ssi_ref.verify(&fr.di)));
        }),
    ));
    ops.push((
        "ssi 0.16 directly: sign_with (DI)".into(),
        Floor::SignVerify,
        Box::new(move || {
            black_box(fr.rt.block_on(ssi_ref.sign(&fr.unsigned)).ok());
        }),
    ));
    let mut figures = measure(&mut ops, rounds, clock);
    drop(ops);

    // Before: the same civitas calls with the fast path off (every canonicalization by ssi).
    canon::set_fast_path(false);
    let mut before: Vec<(String, Floor, Op<'_>)> = vec![
        (
            "civitas verify, DI, fast path off (before)".into(),
            Floor::Verify,
            Box::new(move || {
                black_box(fr.verify(&fr.di));
            }),
        ),
        (
            "civitas sign, DI, fast path off (before)".into(),
            Floor::SignVerify,
            Box::new(move || {
                black_box(fr.sign(Securing::DataIntegrity));
            }),
        ),
        (
            "civitas verify, vc+jwt, fast path off (before)".into(),
            Floor::Verify,
            Box::new(move || {
                black_box(fr.verify(&fr.jwt));
            }),
        ),
    ];
    let mut floor_again = floor_ops(&f, &public, &message, &signature);
    before.append(&mut floor_again);
    let before_figs = measure(&mut before, rounds.div_ceil(3).max(5), clock);
    drop(before);
    canon::set_fast_path(true);
    // Express the "before" rows against the floor measured alongside them.
    let (bs, bv) = (
        before_figs
            .iter()
            .find(|x| x.floor == Floor::Sign)
            .map_or(1.0, |x| x.median_us),
        before_figs
            .iter()
            .find(|x| x.floor == Floor::Verify && x.name.starts_with("raw"))
            .map_or(1.0, |x| x.median_us),
    );
    let (s, v) = (
        figures
            .iter()
            .find(|x| x.floor == Floor::Sign)
            .map_or(1.0, |x| x.median_us),
        figures
            .iter()
            .find(|x| x.floor == Floor::Verify && x.name.starts_with("raw"))
            .map_or(1.0, |x| x.median_us),
    );
    for mut fig in before_figs
        .into_iter()
        .filter(|x| !x.name.starts_with("raw"))
    {
        // Scale to this run's floor so the ratio column reads against the same floor.
        let scale = match fig.floor {
            Floor::Verify => v / bv,
            Floor::SignVerify => (s + v) / (bs + bv),
            _ => 1.0,
        };
        fig.note = format!("measured {} beside its own floor", fmt_us(fig.median_us));
        fig.median_us *= scale;
        figures.push(fig);
    }

    match status_lookup_figure(&f, rounds, clock) {
        Ok(mut s) => figures.append(&mut s),
        Err(e) => figures.push(Figure {
            paired: None,
            name: "status check, warm cache".into(),
            median_us: f64::NAN,
            floor: Floor::None,
            note: format!("not measured: {e}"),
        }),
    }
    if args.batches > 0 {
        match durable_batch_issuance_figures(args.batches, args.batch_size, args.in_flight) {
            Ok(mut b) => figures.append(&mut b),
            Err(e) => figures.push(Figure {
                paired: None,
                name: "durable batch issuance, per certificate".into(),
                median_us: f64::NAN,
                floor: Floor::None,
                note: format!("not measured: {e}"),
            }),
        }
    }

    if args.breakdown {
        let parsed: Value = serde_json::from_str(&f.di)?;
        let unsecured = civitas_jsonld::member::without_proof(&parsed);
        let mut config = parsed["proof"].clone();
        if let Some(o) = config.as_object_mut() {
            o.remove("proofValue");
            o.insert("@context".into(), parsed["@context"].clone());
        }
        let mut ops = breakdown_ops(&f, &parsed, &config, &unsecured);
        let mut floor_again = floor_ops(&f, &public, &message, &signature);
        ops.append(&mut floor_again);
        let figs = measure(&mut ops, rounds, clock);
        figures.push(Figure {
            paired: None,
            name: "pieces of one DI verify:".into(),
            median_us: f64::NAN,
            floor: Floor::None,
            note: String::new(),
        });
        figures.extend(figs.into_iter().filter(|x| !x.name.starts_with("raw")));
    }

    let memory = if args.memory > 0 {
        Some(memory_figures(args.memory)?)
    } else {
        None
    };
    let js = if args.js {
        js_figures(&f, args.js_n)?
    } else {
        None
    };

    let raw_sign = s;
    let raw_verify = v;
    // The paired ratio where the figure was measured beside its floor; else against this
    // run's floor medians.
    let ratio = |fig: &Figure| {
        fig.paired.or(match fig.floor {
            Floor::Verify => Some(fig.median_us / raw_verify),
            Floor::SignVerify => Some(fig.median_us / (raw_sign + raw_verify)),
            Floor::Sign => Some(fig.median_us / raw_sign),
            Floor::None => None,
        })
    };
    if args.json {
        let rows: Vec<Value> = figures
            .iter()
            .map(|x| {
                json!({
                    "figure": x.name.trim(),
                    "median_us": if x.median_us.is_nan() { Value::Null } else { json!(x.median_us) },
                    "ratio_to_floor": ratio(x),
                    "floor": format!("{:?}", x.floor),
                    "note": x.note,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "credential_bytes": f.di.len(),
                "rounds": rounds,
                "clock": clock.name(),
                "figures": rows,
                "memory": memory,
                "js": js.as_ref().map(|(m, env)| json!({"p50_us": m, "env": env})),
                "canon_path_counts": format!("{:?}", canon::path_counts()),
            }))?
        );
        return Ok(());
    }

    println!(
        "civitas-bench: a signed birth certificate ({} bytes as Data Integrity JSON), one thread, \
         warm caches; medians of {rounds} interleaved rounds, {}",
        f.di.len(),
        clock.name()
    );
    println!(
        "floors: raw Ed25519 verify for verify figures, raw sign + verify for sign figures \
         (civitas checks each signature before handing it out); × floor is the median over \
         rounds of the figure's time over its floor's time in the same round\n"
    );
    println!("{:<52} {:>11} {:>10}  note", "figure", "median", "× floor");
    for x in &figures {
        let median = if x.median_us.is_nan() {
            "—".to_owned()
        } else {
            fmt_us(x.median_us)
        };
        let r = ratio(x).map_or(String::new(), |r| format!("{r:.2}×"));
        println!("{:<52} {:>11} {:>10}  {}", x.name, median, r, x.note);
    }
    if let Some(m) = memory {
        println!(
            "\nmemory: verifying {} credentials in a loop: resident {} KiB after setup, {} KiB at the end, peak {} KiB ({:.1} s; RSS every {}: {})",
            m["n"],
            m["rss_start_kb"],
            m["rss_end_kb"],
            m["peak_kb"],
            m["seconds"].as_f64().unwrap_or(0.0),
            m["n"].as_u64().unwrap_or(0) / 10,
            m["samples"]
                .as_array()
                .map(|a| a
                    .iter()
                    .map(|s| s[1].to_string())
                    .collect::<Vec<_>>()
                    .join(" "))
                .unwrap_or_default()
        );
    }
    if args.js {
        match &js {
            None => println!("\nJS stack: skipped (no node; see the message above)"),
            Some((m, env)) => {
                println!(
                    "\nJS stack (Digital Bazaar, node {}), p50 of {} ops:",
                    env["node"].as_str().unwrap_or("?"),
                    args.js_n
                );
                let civitas_verify = figures
                    .iter()
                    .find(|x| x.name.starts_with("civitas verify, Data Integrity"))
                    .map(|x| x.median_us);
                let civitas_sign = figures
                    .iter()
                    .find(|x| x.name.starts_with("civitas sign, Data Integrity"))
                    .map(|x| x.median_us);
                for (name, ours) in [
                    ("verify", civitas_verify),
                    ("issue", civitas_sign),
                    ("raw_ed25519_verify", Some(raw_verify)),
                ] {
                    if let Some(js_us) = m.get(name) {
                        let r = ours
                            .map_or(String::new(), |o| format!("civitas/JS = {:.3}", o / js_us));
                        println!("  {:<20} {:>11}   {r}", name, fmt_us(*js_us));
                    }
                }
            }
        }
    }
    let counts = canon::path_counts();
    println!(
        "\ncanonicalizations this run: {} by the fast path, {} by the general path (ssi)",
        counts.fast, counts.general
    );
    let _ = BUNDLED.len();
    Ok(())
}
