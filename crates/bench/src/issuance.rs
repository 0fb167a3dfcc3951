//! Durable batch issuance through civitas-issuer's batch API ([`Issuer::issue_batch`]): sign,
//! status allocation and registry write with one group commit per batch, each certificate
//! acknowledged only once it is on disk. A fresh registry in a temporary directory (sled), or
//! in a fresh database of a throwaway PostgreSQL server (`--postgres`), a multi-threaded
//! runtime (signing runs on every core, as in the issuer service). On PostgreSQL also with
//! two instances of the issuer (each its own data directory, connections and committer, as two
//! processes would have) taking batches from one queue.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, anyhow};
use civitas_core::model::DocumentType;
use civitas_issuer::store::StoreLocation;
use civitas_issuer::{DidMethod, Document, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::sealed::KdfParams;

use crate::measure::{Figure, Floor};

/// The measured throughput.
pub struct Throughput {
    /// Certificates issued (and on disk).
    pub certificates: usize,
    /// Batch size.
    pub batch: usize,
    /// Batches submitted at the same time, per instance.
    pub in_flight: usize,
    /// Issuer instances sharing the registry.
    pub instances: usize,
    /// Median seconds from submitting a batch to its acknowledgement.
    pub median_batch_seconds: f64,
    /// Certificates per second over the whole run (wall clock).
    pub per_second: f64,
}

/// Issues `batches` batches of `batch` distinct birth certificates (each with its own source
/// record id), `in_flight` of them submitted at a time (as a back-fill client would, so that
/// signing, which runs on every core, overlaps the group commit of the previous batch), and
/// times them with the wall clock. With `instances` above 1 (a shared store), that many issuer
/// instances take batches from the same queue, `in_flight` each.
pub fn run(
    batches: usize,
    batch: usize,
    in_flight: usize,
    store: &StoreLocation,
    instances: usize,
) -> Result<Throughput> {
    if instances > 1 && *store == StoreLocation::Sled {
        return Err(anyhow!(
            "several instances need a shared registry: --postgres (sled is one process's)"
        ));
    }
    let root = tempfile::tempdir()?;
    let dir = root.path().join("instance-1");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let config = IssuerConfig::new(&dir, "https://registry.gov.example")
            .did_method(DidMethod::Key)
            .passphrase(PassphraseSource::Value(
                "civitas-bench passphrase".to_owned().into(),
            ))
            .kdf(KdfParams::testing())
            .store(store.clone());
        let (issuer, _) = Issuer::open(config.clone())
            .await
            .map_err(|e| anyhow!("opening the issuer: {e}"))?;
        let mut all = vec![issuer.clone()];
        for i in 2..=instances {
            let other = dir.with_file_name(format!("instance-{i}"));
            civitas_testkit::postgres::copy_data_dir(&dir, &other)?;
            let mut config = config.clone();
            config.data_dir = other;
            let (instance, _) = Issuer::open(config)
                .await
                .map_err(|e| anyhow!("opening instance {i}: {e}"))?;
            all.push(instance);
        }
        // One warm-up batch (contexts, caches, the status lists' first publication).
        let warm_up = batch.min(100);
        issue(&issuer, requests(0, warm_up)).await?;
        // The records come from elsewhere (InfoHighway, a file): they are read before the
        // clock starts, so that only the issuer's work is timed.
        let queue: Vec<Vec<IssueRequest>> = (0..batches)
            .map(|b| requests(warm_up + b * batch, batch))
            .collect();
        let queue = Arc::new(std::sync::Mutex::new(queue.into_iter()));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for issuer in all
            .iter()
            .flat_map(|i| std::iter::repeat_n(i, in_flight.max(1)))
        {
            let (issuer, queue) = (issuer.clone(), queue.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(requests) = next else {
                        return Ok::<_, anyhow::Error>(times);
                    };
                    let t = Instant::now();
                    issue(&issuer, requests).await?;
                    times.push(t.elapsed().as_secs_f64());
                }
            }));
        }
        let mut times = Vec::with_capacity(batches);
        for t in tasks {
            times.extend(t.await??);
        }
        let total = start.elapsed().as_secs_f64();
        let stored = issuer
            .credential_count()
            .map_err(|e| anyhow!("counting: {e}"))?;
        let want = (batches * batch + warm_up) as u64;
        if stored != want {
            return Err(anyhow!(
                "{stored} credentials in the registry, expected {want}"
            ));
        }
        issuer.wait_published().await;
        drop((issuer, all));
        times.sort_by(f64::total_cmp);
        Ok(Throughput {
            certificates: batches * batch,
            batch,
            in_flight: in_flight.max(1),
            instances: instances.max(1),
            median_batch_seconds: times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
            per_second: (batches * batch) as f64 / total,
        })
    })
}

/// The durable batch issuance figures: time per certificate, throughput in the note; on sled,
/// and with `postgres` also on a throwaway PostgreSQL server started for the run (a fresh
/// database, the same batches).
pub(crate) fn durable_batch_issuance_figures(
    batches: usize,
    batch: usize,
    in_flight: usize,
    postgres: bool,
) -> Result<Vec<Figure>> {
    let mut figures = vec![figure(
        "durable batch issuance, per certificate",
        &run(batches, batch, in_flight, &StoreLocation::Sled, 1)?,
    )];
    if postgres {
        for (instances, name) in [
            (1, "durable batch issuance on PostgreSQL, per certificate"),
            (
                2,
                "durable batch issuance on PostgreSQL, two instances, per certificate",
            ),
        ] {
            match civitas_testkit::postgres::PgServer::start() {
                Some(server) => {
                    let location = StoreLocation::parse(&server.database())
                        .map_err(|e| anyhow!("the database URL: {e}"))?;
                    let t = run(batches, batch, in_flight, &location, instances)?;
                    figures.push(figure(name, &t));
                }
                None => figures.push(Figure::not_measured(
                    name,
                    anyhow!("PostgreSQL's server programs are not installed"),
                )),
            }
        }
    }
    Ok(figures)
}

fn figure(name: &str, t: &Throughput) -> Figure {
    Figure {
        paired: None,
        name: name.into(),
        median_us: 1e6 / t.per_second,
        floor: Floor::None,
        note: format!(
            "{:.0} certificates/s: {} batches of {}, {} in flight per instance, {} instance(s), \
             wall clock, all cores (median batch acknowledged in {:.0} ms)",
            t.per_second,
            t.certificates / t.batch.max(1),
            t.batch,
            t.in_flight,
            t.instances,
            t.median_batch_seconds * 1e3
        ),
    }
}

/// `n` distinct birth certificates, numbered from `first`, each with its source record id.
fn requests(first: usize, n: usize) -> Vec<IssueRequest> {
    let Ok(kind) = DocumentType::named("BirthCertificate") else {
        return Vec::new();
    };
    (first..first + n)
        .map(|i| {
            let mut doc = crate::fixture::birth_subject(&kind);
            doc["registration"]["registrationNumber"] = format!("PW/B/2024/{i:07}").into();
            let doc = Document::new(kind.clone(), doc).expect("the sample birth record is valid");
            IssueRequest::new(doc).source(&format!("bench-{i}"))
        })
        .collect()
}

async fn issue(issuer: &Issuer, requests: Vec<IssueRequest>) -> Result<()> {
    for r in issuer.issue_batch(requests, "civitas-bench").await {
        r.map_err(|e| anyhow!("batch issuance: {e}"))?;
    }
    Ok(())
}
