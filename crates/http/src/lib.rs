#![doc = include_str!("../README.md")]
//!
//! # A router with the request log
//!
//! ```
//! use axum::{Router, routing::get};
//!
//! let app: Router = Router::new()
//!     .route("/health", get(|| async { "ok" }))
//!     .layer(axum::middleware::from_fn(civitas_http::request_log::log_request));
//! # let _ = app;
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bearer;
pub mod body;
pub mod caching;
pub mod json;
#[cfg(feature = "subscriber")]
pub mod logging;
pub mod problem;
pub mod request_log;
