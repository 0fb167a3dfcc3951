//! TLS for the server: rustls (aws-lc-rs provider), HTTP/2 and HTTP/1.1 by ALPN. A self-signed
//! certificate for local use is generated with rcgen on first run and kept in
//! `<data dir>/tls/cert.pem` and `key.pem` (0600); a real certificate and key can be configured.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::{IssuerConfig, TlsConfig, host_and_path};
use crate::error::IssuerError;

/// The self-signed certificate's path in a data directory.
pub fn self_signed_cert_path(data_dir: &Path) -> PathBuf {
    data_dir.join("tls").join("cert.pem")
}

/// Creates the self-signed certificate and key in `dir` unless they exist. The certificate
/// names `localhost`, `127.0.0.1`, `::1` and `extra_host` (without port). Returns the paths.
pub fn ensure_self_signed(
    dir: &Path,
    extra_host: Option<&str>,
) -> Result<(PathBuf, PathBuf), IssuerError> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(h) = extra_host
        && !names.iter().any(|n| n == h)
    {
        names.push(h.to_owned());
    }
    let generated = rcgen::generate_simple_self_signed(names)
        .map_err(|e| IssuerError::Tls(format!("generating a self-signed certificate: {e}")))?;
    crate::fsutil::write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
    crate::fsutil::write_private(&cert, generated.cert.pem().as_bytes())?;
    Ok((cert, key))
}

/// The host of a base URL without its port (`[::1]:8443` → `::1`).
fn bare_host(base_url: &str) -> Option<String> {
    let (host, _) = host_and_path(base_url).ok()?;
    let h = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest).to_owned()
    } else {
        host.rsplit_once(':')
            .map_or(host.clone(), |(h, _)| h.to_owned())
    };
    Some(h)
}

/// The rustls server configuration for `config` (`None` when TLS is disabled).
pub fn server_config(config: &IssuerConfig) -> Result<Option<Arc<ServerConfig>>, IssuerError> {
    let (cert, key) = match &config.tls {
        TlsConfig::Disabled => return Ok(None),
        TlsConfig::Files { cert, key } => (cert.clone(), key.clone()),
        TlsConfig::SelfSigned => {
            ensure_self_signed(&config.tls_dir(), bare_host(&config.base_url).as_deref())?
        }
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .map_err(|e| IssuerError::Tls(format!("{}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| IssuerError::Tls(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(IssuerError::Tls(format!(
            "{} holds no certificate",
            cert.display()
        )));
    }
    let private = PrivateKeyDer::from_pem_file(&key)
        .map_err(|e| IssuerError::Tls(format!("{}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| IssuerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| IssuerError::Tls(e.to_string()))?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some(Arc::new(server)))
}
