//! The HTTPS server: axum routes ([`routes`]) served over rustls ([`tls`]) with hyper, HTTP/2
//! and HTTP/1.1. Errors are RFC 9457 problem details ([`problem`]); writes need a bearer token
//! ([`auth`]).

pub mod auth;
mod console;
pub mod oid4vci;
pub mod problem;
pub mod profiles;
pub mod routes;
pub mod tls;
mod verify;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::error::IssuerError;
use crate::issuer::Issuer;

/// How long a client has to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `issuer` on `listener` until `shutdown` completes: HTTPS with `tls`, or plain HTTP
/// when `tls` is `None` (behind a TLS-terminating proxy only). Connections already open when
/// `shutdown` completes are finished in the background.
pub async fn serve(
    issuer: Issuer,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), IssuerError> {
    let app = routes::router(issuer.clone()).merge(verify::routes(issuer).await?);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // e.g. too many open files: back off instead of spinning
                    eprintln!("civitas-issuer: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            match acceptor {
                Some(acceptor) => {
                    let Ok(Ok(tls_stream)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let _ = builder
                        .serve_connection(TokioIo::new(tls_stream), service)
                        .await;
                }
                None => {
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
            }
        });
    }
}
