//! Starting the service in one call, for `examples/issuer.rs` and `civitas issuer serve`: open
//! (or initialise) the issuer, prepare TLS, bind, and describe what runs (URLs, DID, token, a
//! ready-to-paste `curl` command).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use tokio::net::TcpListener;

use crate::config::{IssuerConfig, TlsConfig};
use civitas_core::io::IoFailure;

use crate::error::{ConfigError, IssuerError};
use crate::http::tls;
use crate::issuer::{Issuer, Opened};

/// A service ready to serve.
#[derive(Debug)]
pub struct Launched {
    /// The issuer.
    pub issuer: Issuer,
    /// What opening it did (first run: the admin token).
    pub opened: Opened,
    /// The bound listener.
    pub listener: TcpListener,
    /// Its address.
    pub local_addr: SocketAddr,
    /// The TLS configuration (`None`: plain HTTP).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The self-signed certificate to trust (`curl --cacert`), when one is used.
    pub self_signed_cert: Option<PathBuf>,
}

/// Opens the issuer and binds `bind`.
pub async fn launch(config: IssuerConfig, bind: SocketAddr) -> Result<Launched, IssuerError> {
    let tls = tls::server_config(&config)?;
    let self_signed_cert =
        (config.tls == TlsConfig::SelfSigned).then(|| tls::self_signed_cert_path(&config.data_dir));
    let (issuer, opened) = Issuer::open(config).await?;
    let listener = TcpListener::bind(bind).await.map_err(|e| {
        IssuerError::Config(ConfigError::Listen {
            address: bind.to_string(),
            source: IoFailure::of(&e),
        })
    })?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| IssuerError::Config(ConfigError::ListenerAddress(IoFailure::of(&e))))?;
    Ok(Launched {
        issuer,
        opened,
        listener,
        local_addr,
        tls,
        self_signed_cert,
    })
}

impl Launched {
    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), IssuerError> {
        crate::http::serve(self.issuer, self.listener, self.tls, shutdown).await
    }

    /// What a person starting the service needs to know: where it listens, its DID, the admin
    /// token (first run only), the passphrase file (if one was generated) and a `curl` command
    /// that issues a birth certificate.
    pub fn banner(&self) -> String {
        let base = self.issuer.base_url();
        let data = self.issuer.config().data_dir.display().to_string();
        let mut out = String::new();
        let line = |out: &mut String, s: &str| {
            out.push_str(s);
            out.push('\n');
        };
        line(&mut out, "civitas issuer");
        line(
            &mut out,
            &format!("  listening   {} (base URL {base})", self.local_addr),
        );
        line(&mut out, &format!("  DID         {}", self.issuer.did()));
        line(
            &mut out,
            &format!("  signing key {}", self.issuer.signer_method()),
        );
        line(&mut out, &format!("  data dir    {data}"));
        if self.issuer.meta().did_method == crate::config::DidMethod::Web {
            line(
                &mut out,
                &format!("  DID doc     {base}/.well-known/did.json"),
            );
        }
        line(
            &mut out,
            &format!("  status      {base}/status/revocation/1  {base}/status/suspension/1"),
        );
        line(&mut out, &format!("  health      {base}/healthz"));
        if let Some(p) = &self.opened.passphrase_file {
            line(&mut out, "");
            line(
                &mut out,
                &format!(
                    "First run: the key files are sealed with a random passphrase written to {} (mode 0600).\nKeep it safe (or set CIVITAS_ISSUER_PASSPHRASE / CIVITAS_ISSUER_PASSPHRASE_FILE): without it the keys cannot be opened.",
                    p.display()
                ),
            );
        }
        let token = match &self.opened.admin_token {
            Some(t) => {
                line(&mut out, "");
                line(
                    &mut out,
                    &format!("Admin token (shown once, only its hash is stored):\n  {t}"),
                );
                t.clone()
            }
            None => "$CIVITAS_TOKEN".to_owned(),
        };
        let cacert = match (&self.self_signed_cert, self.tls.is_some()) {
            (Some(c), true) => format!("--cacert {} ", c.display()),
            _ => String::new(),
        };
        let mut record = civitas_core::model::DocumentType::named("BirthCertificate")
            .ok()
            .and_then(|k| civitas_core::model::sample(&k))
            .unwrap_or(json!({}));
        if let Some(o) = record.as_object_mut() {
            o.insert("sourceRecordId".into(), "PW/B/2024/001234".into());
        }
        line(&mut out, "");
        line(&mut out, "Issue a birth certificate:");
        line(
            &mut out,
            &format!(
                "curl {cacert}-H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n  --data '{}' \\\n  {base}/birth-certificates",
                record
            ),
        );
        out
    }
}

impl Issuer {
    /// The current signing key's verification method.
    pub fn signer_method(&self) -> String {
        self.signer().verification_method().to_owned()
    }
}
