//! Mutual TLS: the stub e-service over HTTPS on 127.0.0.1 with a certificate from a test
//! government CA, requiring a client certificate from that CA. The agency's certificate
//! (`[auth] type = "mtls"`) and the CA (`[tls] ca`) come from the configuration file.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use civitas_infohighway::{
    CheckpointFile, FeedOptions, InfoHighwayClient, InfoHighwayConfig, IngestError, IngestOptions,
    Mapping, NoProgress, ingest_feed,
};
use common::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

struct Pki {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
    client_pem: String,
}

fn make_pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test Government Root CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params =
        CertificateParams::new(vec!["civil-status-office.gov.example".to_owned()]).unwrap();
    client_params
        .distinguished_name
        .push(DnType::CommonName, "Civil Status Office");
    let client_cert = client_params.signed_by(&client_key, &ca).unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![server_cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        server: Arc::new(server),
        client_pem: format!("{}{}", client_cert.pem(), client_key.serialize_pem()),
    }
}

fn config(dir: &Path, base_url: &str, auth: &str) -> InfoHighwayConfig {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("infohighway-birth.toml"),
        civitas_infohighway::mappings::INFOHIGHWAY_BIRTH,
    )
    .unwrap();
    let text = format!(
        "format = 1\nbase_url = \"{base_url}\"\npage_size = 4\ntimeout_secs = 2\nrate_limit = 1000\n\
         {auth}\n[tls]\nca = \"gov-ca.pem\"\n\
         [retry]\nmax_attempts = 2\ninitial_backoff_ms = 10\nmax_backoff_ms = 20\n\
         [services.birth]\nservice = \"CSO.BirthRecords\"\nmapping = \"infohighway-birth.toml\"\n"
    );
    let path = dir.join("infohighway.toml");
    std::fs::write(&path, text).unwrap();
    InfoHighwayConfig::from_file(&path).unwrap()
}

async fn run(
    config: InfoHighwayConfig,
    data: &Path,
) -> Result<civitas_infohighway::Summary, IngestError> {
    let issuer = open_issuer(data).await;
    let service = config.service("birth").unwrap().clone();
    let mapping = Arc::new(Mapping::from_file(&service.mapping).unwrap());
    let checkpoint = CheckpointFile::new(config.checkpoint_path(&service, data));
    let client = Arc::new(InfoHighwayClient::new(config)?);
    ingest_feed(
        &issuer,
        client,
        &service,
        mapping,
        &checkpoint,
        &IngestOptions::for_data_dir(data),
        &FeedOptions::default(),
        &NoProgress,
    )
    .await
}

const MTLS: &str = "[auth]\ntype = \"mtls\"\nidentity = \"agency.pem\"";

/// A stub of `n` records served with `server`'s certificate, and a configuration directory
/// holding `agency`'s CA and client certificate.
async fn setup(server: &Pki, agency: &Pki, n: usize) -> (Stub, tempfile::TempDir, PathBuf) {
    let records: Vec<_> = (0..n).map(|i| ih_record(i, 1)).collect();
    let behaviour = Behaviour {
        no_api_key: true,
        ..Behaviour::default()
    };
    let stub = Stub::start_tls(records, behaviour, server.server.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("gov-ca.pem"), &agency.ca_pem).unwrap();
    std::fs::write(conf.join("agency.pem"), &agency.client_pem).unwrap();
    (stub, dir, conf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agency_certificate_opens_the_feed_and_nothing_else_does() {
    let pki = make_pki();
    let (stub, dir, conf) = setup(&pki, &pki, 10).await;

    // with the agency's certificate: the whole feed (record 3 is registered before birth)
    let s = run(
        config(&conf, &stub.base_url, MTLS),
        &dir.path().join("issuer"),
    )
    .await
    .unwrap();
    assert_eq!(
        (s.counts.read, s.counts.issued, s.counts.rejected),
        (10, 9, 1)
    );
    assert_eq!(s.checkpoint.unwrap().cursor.as_deref(), Some("o10"));

    // without a client certificate the server ends the handshake: no page is ever served
    let served = stub.requests.load(std::sync::atomic::Ordering::SeqCst);
    let e = run(
        config(&conf, &stub.base_url, "[auth]\ntype = \"none\""),
        &dir.path().join("issuer2"),
    )
    .await
    .unwrap_err();
    // refused at once, named as such: retrying cannot make the certificate appear
    assert!(
        matches!(&e, IngestError::TlsRefused { reason, .. } if reason.contains("CertificateRequired")),
        "{e}"
    );
    assert!(e.is_input(), "a configuration problem: {e}");
    assert_eq!(
        stub.requests.load(std::sync::atomic::Ordering::SeqCst),
        served
    );

    // a certificate file without its private key is a configuration mistake, named
    std::fs::write(
        conf.join("agency.pem"),
        pki.client_pem
            .split("-----BEGIN PRIVATE KEY")
            .next()
            .unwrap(),
    )
    .unwrap();
    let e = InfoHighwayClient::new(config(&conf, &stub.base_url, MTLS)).unwrap_err();
    assert!(
        matches!(&e, IngestError::Config(f) if f.key.as_deref() == Some("auth.identity")),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_outside_the_configured_ca_is_refused() {
    let (agency, other) = (make_pki(), make_pki());
    let (stub, dir, conf) = setup(&other, &agency, 3).await;
    let e = run(
        config(&conf, &stub.base_url, MTLS),
        &dir.path().join("issuer"),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains(&stub.base_url),
        "the error names the URL: {e}"
    );
    assert!(
        matches!(&e, IngestError::TlsRefused { reason, .. } if reason.contains("not accepted")),
        "{e}"
    );
    assert_eq!(stub.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
}
