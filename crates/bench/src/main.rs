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
//! registry in a temporary directory; `--batches`, `--batch-size`, `--in-flight`; with
//! `--postgres` also in a fresh database of a throwaway PostgreSQL server); a whole
//! OpenID4VCI issuance (offer, token, nonce, holder key proof, credential request) through the
//! issuer's library against a direct `Issuer::issue`, one at a time, with the time of each step
//! (`--oid4vci-flows`; over HTTPS: `cargo bench -p civitas-issuer --bench oid4vci`); peak
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

use std::hint::black_box;
use std::time::Instant;

use anyhow::{Result, anyhow};
use civitas_core::secure::Securing;
use civitas_jsonld::canon;
use clap::Parser;
use serde_json::Value;

use crate::fixture::Fixture;
use crate::measure::{Clock, Figure, floor_medians};
use crate::report::Report;
use crate::signatures::RawEd25519;
use crate::status::StatusFixture;

mod breakdown;
mod fixture;
mod issuance;
mod js;
mod measure;
mod memory;
mod oid4vci;
mod registry_scale;
mod report;
mod signatures;
mod ssi_direct;
mod status;
mod types;

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
    /// Also measure durable batch issuance with the registry in PostgreSQL: a throwaway
    /// server started for the run (initdb into a temporary directory; needs PostgreSQL's server
    /// programs).
    #[arg(long)]
    postgres: bool,
    /// With `--profile-issuance --postgres`: issuer instances sharing the database (each its
    /// own data directory, connections and committer), taking batches from one queue.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// OpenID4VCI flows (and as many direct issues) per round for the OpenID4VCI issuance
    /// figure, over 5 rounds (0: skip).
    #[arg(long, default_value_t = 40)]
    oid4vci_flows: usize,
    /// Also time every bundled document type: Data Integrity sign and verify, CV1 length.
    #[arg(long)]
    types: bool,
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
    /// Only build a registry of N birth certificates in a throwaway PostgreSQL server (1,000
    /// signed, the rest copied in the database) and print its size per credential, lookup
    /// times and the time a revocation takes to be acknowledged and published.
    #[arg(long, value_name = "N")]
    registry_scale: Option<usize>,
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

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(n) = args.memory_child {
        return memory::memory_child(n);
    }
    if let Some(n) = args.registry_scale {
        let s = registry_scale::run(n)?;
        println!(
            "registry of {} birth certificates in PostgreSQL",
            s.credentials
        );
        println!(
            "  loaded in            {:.0} s (1,000 signed, the rest copied in the database)",
            s.load_seconds
        );
        println!(
            "  database size        {:.0} bytes per credential",
            s.bytes_per_credential
        );
        for (table, bytes) in &s.tables {
            println!(
                "    {table:<28} {:.0} bytes per credential",
                *bytes as f64 / s.credentials.max(1) as f64
            );
        }
        println!(
            "    audit entries                {:.0} bytes per entry (the copies have none)",
            s.audit_bytes_per_entry
        );
        println!("  issuer opened in     {:.2} s", s.open_seconds);
        println!(
            "  lookup by id         {:.0} µs (median of 1,000 random ids)",
            s.lookup_us
        );
        println!(
            "  lookup by source id  {:.0} µs (median of 1,000)",
            s.by_source_us
        );
        println!("  revoke acknowledged  {:.1} ms", s.revoke_ms);
        println!(
            "  revocation published {:.1} ms after it was asked for",
            s.published_ms
        );
        return Ok(());
    }
    if args.profile_issuance {
        let server = match args.postgres {
            true => Some(
                civitas_testkit::postgres::PgServer::start()
                    .ok_or_else(|| anyhow::anyhow!("PostgreSQL is not installed"))?,
            ),
            false => None,
        };
        let store = match &server {
            Some(server) => civitas_issuer::store::StoreLocation::parse(&server.database())?,
            None => civitas_issuer::store::StoreLocation::Sled,
        };
        let t = issuance::run(
            args.batches,
            args.batch_size,
            args.in_flight,
            &store,
            args.instances,
        )?;
        println!(
            "durable batch issuance ({}, {} instance(s)): {:.0} certificates/s ({} certificates, median batch {:.0} ms)",
            store.display(),
            t.instances,
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
    let raw = RawEd25519::new(&f);
    let rounds = args.rounds;
    let clock = Clock::new(args.wall_clock);

    let mut figures = signatures::target_figures(&f, &ssi, &raw, rounds, clock);
    let (raw_sign, raw_verify) = floor_medians(&figures);
    figures.extend(signatures::fast_path_off_figures(
        &f,
        &raw,
        rounds,
        clock,
        (raw_sign, raw_verify),
    ));

    match status::status_lookup_figure(&f, rounds, clock) {
        Ok(mut s) => figures.append(&mut s),
        Err(e) => figures.push(Figure::not_measured("status check, warm cache", e)),
    }
    if args.batches > 0 {
        match issuance::durable_batch_issuance_figures(
            args.batches,
            args.batch_size,
            args.in_flight,
            args.postgres,
        ) {
            Ok(mut b) => figures.append(&mut b),
            Err(e) => figures.push(Figure::not_measured(
                "durable batch issuance, per certificate",
                e,
            )),
        }
    }
    if args.oid4vci_flows > 0 {
        match oid4vci::figures(args.oid4vci_flows, 5) {
            Ok(mut o) => figures.append(&mut o),
            Err(e) => figures.push(Figure::not_measured(
                "OpenID4VCI issuance (library), per credential",
                e,
            )),
        }
    }

    if args.breakdown {
        figures.append(&mut breakdown::figures(&f, &raw, rounds, clock)?);
    }
    if args.types {
        figures.append(&mut types::figures(&f, &raw, rounds, clock)?);
    }

    let memory = if args.memory > 0 {
        Some(memory::memory_figures(args.memory)?)
    } else {
        None
    };
    let js = if args.js {
        js::js_figures(&f, args.js_n)?
    } else {
        None
    };

    let report = Report {
        credential_bytes: f.di.len(),
        rounds,
        clock,
        figures: &figures,
        raw_sign,
        raw_verify,
        memory,
        js,
        js_asked: args.js,
        js_n: args.js_n,
    };
    if args.json {
        return report.print_json();
    }
    report.print_table();
    Ok(())
}
