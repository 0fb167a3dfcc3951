#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assets;
pub mod html;
pub mod lang;
pub mod layout;
pub mod offline;
pub mod verify;

pub use html::escape;
pub use lang::Lang;
pub use layout::{ConsoleNav, Nav, Page};

/// The public verifier page and the assets it loads, answering with whatever verifier `shared`
/// holds: what a service merges into its router to serve `/verify` (the issuer service and
/// `civitas verifier serve` both do).
pub fn verifier_pages(shared: civitas_verifier::http::SharedVerifier) -> axum::Router {
    verify::router(shared).merge(assets::router())
}
