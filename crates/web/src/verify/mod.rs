//! The public verifier page, `/verify`. (Being written: see H3.)

use axum::Router;
use civitas_verifier::http::SharedVerifier;

/// The verifier page's routes, answering with whatever verifier `shared` holds.
pub fn router(shared: SharedVerifier) -> Router {
    let _ = shared;
    Router::new()
}
