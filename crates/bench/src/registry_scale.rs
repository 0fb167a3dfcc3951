//! A large registry in PostgreSQL (`--registry-scale N`): how much room a credential takes,
//! how long a lookup takes, and how long a revocation takes to be acknowledged and published,
//! with N birth certificates in the registry.
//!
//! A throwaway PostgreSQL server is started for the run. The issuer signs the first 1,000
//! certificates for real; the loader then copies them inside the database (`INSERT … SELECT`
//! over `generate_series`, each copy with its own `urn:uuid` id in its record and its signed
//! text, and its own source record) until the registry holds N, bypassing signing: a copy is as
//! large as a signed certificate and is found the same way, but it shares its status positions
//! with the certificate it copies (revoking it revokes that one). The issuer is then opened
//! again on the full registry and timed.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use civitas_core::model::DocumentType;
use civitas_issuer::store::StoreLocation;
use civitas_issuer::{DidMethod, Document, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::sealed::KdfParams;
use civitas_testkit::postgres::PgServer;

/// Certificates signed for real before the copies.
const SIGNED: usize = 1_000;
/// Copies written per statement (one transaction each).
const COPIES_PER_STATEMENT: usize = 250_000;

/// What was measured.
#[derive(Debug)]
pub struct Scale {
    /// Certificates in the registry.
    pub credentials: u64,
    /// `pg_database_size` divided by the certificates.
    pub bytes_per_credential: f64,
    /// The largest tables: name and bytes (with their indexes and TOAST).
    pub tables: Vec<(String, u64)>,
    /// Bytes per audit entry (the copies have none: a registry issued for real has one entry
    /// per certificate, and one per status change).
    pub audit_bytes_per_entry: f64,
    /// Seconds the loader took.
    pub load_seconds: f64,
    /// Seconds opening the issuer on the full registry took.
    pub open_seconds: f64,
    /// Median microseconds of `Issuer::credential` (record and text) for random ids.
    pub lookup_us: f64,
    /// Median microseconds of a lookup by source record id (`by_source`, then the record).
    pub by_source_us: f64,
    /// Milliseconds from asking for a revocation to its acknowledgement (durable).
    pub revoke_ms: f64,
    /// Milliseconds from asking for a revocation to the re-signed list being served.
    pub published_ms: f64,
}

fn config(dir: &std::path::Path, store: StoreLocation) -> IssuerConfig {
    IssuerConfig::new(dir, "https://registry.gov.example")
        .did_method(DidMethod::Web)
        .passphrase(PassphraseSource::Value(
            "civitas-bench passphrase".to_owned().into(),
        ))
        .kdf(KdfParams::testing())
        .store(store)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Builds a registry of `total` certificates and times it (see the module documentation).
pub fn run(total: usize) -> Result<Scale> {
    let server = PgServer::start().ok_or_else(|| anyhow!("PostgreSQL is not installed"))?;
    let url = server.database();
    let db = url.rsplit('/').next().unwrap_or_default().to_owned();
    let store = StoreLocation::parse(&url)?;
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let kind = DocumentType::named("BirthCertificate")?;
    // the real ones
    rt.block_on(async {
        let (issuer, _) = Issuer::open(config(dir.path(), store.clone()))
            .await
            .map_err(|e| anyhow!("opening the issuer: {e}"))?;
        let requests: Vec<IssueRequest> = (0..SIGNED.min(total))
            .map(|i| {
                let mut doc = crate::fixture::birth_subject(&kind);
                doc["registration"]["registrationNumber"] = format!("PW/B/2024/{i:07}").into();
                let doc = Document::new(kind.clone(), doc).expect("the sample record is valid");
                IssueRequest::new(doc).source(&format!("scale-{i}"))
            })
            .collect();
        for r in issuer.issue_batch(requests, "bench").await {
            r.map_err(|e| anyhow!("issuing: {e}"))?;
        }
        issuer.wait_published().await;
        Ok::<_, anyhow::Error>(())
    })?;
    // the copies, in the database
    let started = Instant::now();
    let mut copied = SIGNED.min(total);
    let mut round = 0usize;
    while copied < total {
        let n = (total - copied).min(COPIES_PER_STATEMENT);
        let per_source = n.div_ceil(SIGNED);
        round += 1;
        server.psql(
            &db,
            &format!(
                "WITH src AS (
                   SELECT c.id, c.source_record_id AS old_src, c.record, c.issued_at, t.text
                   FROM civitas_credentials c JOIN civitas_credential_texts t USING (id)
                   WHERE c.source_record_id LIKE 'scale-%'),
                 gen AS MATERIALIZED (
                   SELECT s.*, g, 'urn:uuid:' || gen_random_uuid() AS nid,
                          'copy-{round}-' || g || '-' || s.id AS src_id
                   FROM src s, generate_series(1, {per_source}) g
                   LIMIT {n}),
                 texts AS (
                   INSERT INTO civitas_credential_texts (id, text)
                   SELECT nid, replace(text, id, nid) FROM gen),
                 sources AS (
                   INSERT INTO civitas_sources (source_record_id, credential_id)
                   SELECT src_id, nid FROM gen)
                 INSERT INTO civitas_credentials (id, source_record_id, issued_at, record)
                 SELECT nid, src_id, issued_at,
                        replace(replace(record, id, nid),
                                '\"sourceRecordId\":\"' || old_src || '\"',
                                '\"sourceRecordId\":\"' || src_id || '\"')
                 FROM gen"
            ),
        );
        copied += n;
    }
    server.psql(
        &db,
        &format!("UPDATE civitas_counters SET value = {copied} WHERE name = 'credentials'"),
    );
    server.psql(&db, "VACUUM ANALYZE");
    let load_seconds = started.elapsed().as_secs_f64();
    let size: u64 = server
        .psql(&db, "SELECT pg_database_size(current_database())")
        .parse()
        .context("database size")?;
    let tables = server
        .psql(
            &db,
            "SELECT relname || '=' || pg_total_relation_size(oid) FROM pg_class \
             WHERE relkind = 'r' AND relname LIKE 'civitas_%' \
             ORDER BY pg_total_relation_size(oid) DESC LIMIT 4",
        )
        .lines()
        .filter_map(|l| {
            let (name, bytes) = l.split_once('=')?;
            Some((name.to_owned(), bytes.parse().ok()?))
        })
        .collect();
    let audit_bytes_per_entry: f64 = server
        .psql(
            &db,
            "SELECT pg_total_relation_size('civitas_audit')::float8 / count(*) FROM civitas_audit",
        )
        .parse()
        .context("audit size")?;
    let sample: Vec<(String, String)> = server
        .psql(
            &db,
            "SELECT id || ' ' || source_record_id FROM civitas_credentials \
             TABLESAMPLE SYSTEM (1) LIMIT 1000",
        )
        .lines()
        .filter_map(|l| {
            let (id, source) = l.split_once(' ')?;
            Some((id.to_owned(), source.to_owned()))
        })
        .collect();
    let first_id = sample
        .first()
        .map(|(id, _)| id.clone())
        .ok_or_else(|| anyhow!("no credential sampled"))?;
    rt.block_on(async move {
        let opened = Instant::now();
        let (issuer, _) = Issuer::open(config(dir.path(), store))
            .await
            .map_err(|e| anyhow!("opening the issuer on the full registry: {e}"))?;
        let open_seconds = opened.elapsed().as_secs_f64();
        let credentials = issuer.credential_count()?;
        let mut lookups = Vec::new();
        for (id, _) in &sample {
            let t = Instant::now();
            let found = issuer.credential(id)?;
            lookups.push(t.elapsed().as_secs_f64() * 1e6);
            found.ok_or_else(|| anyhow!("{id} not found"))?;
        }
        let mut by_source = Vec::new();
        for (_, source) in &sample {
            let t = Instant::now();
            let id = issuer
                .store()
                .by_source(source)?
                .ok_or_else(|| anyhow!("{source} not found"))?;
            issuer.credential(&id)?;
            by_source.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let (record, _) = issuer
            .credential(&first_id)?
            .ok_or_else(|| anyhow!("{first_id} not found"))?;
        let url = record.revocation.list.clone();
        let before = issuer.published_list(&url).map(|l| l.version);
        let asked = Instant::now();
        issuer
            .revoke(&first_id, Some("scale benchmark"), "bench")
            .await
            .map_err(|e| anyhow!("revoking: {e}"))?;
        let revoke_ms = asked.elapsed().as_secs_f64() * 1e3;
        loop {
            if issuer.published_list(&url).map(|l| l.version) != before {
                break;
            }
            if asked.elapsed() > Duration::from_secs(30) {
                return Err(anyhow!("the revocation was not published within 30 s"));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let published_ms = asked.elapsed().as_secs_f64() * 1e3;
        Ok(Scale {
            credentials,
            bytes_per_credential: size as f64 / credentials.max(1) as f64,
            tables,
            audit_bytes_per_entry,
            load_seconds,
            open_seconds,
            lookup_us: median(lookups),
            by_source_us: median(by_source),
            revoke_ms,
            published_ms,
        })
    })
}
