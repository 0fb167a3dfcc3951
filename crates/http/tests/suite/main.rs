//! civitas-http's integration tests, one test binary for the whole crate: each module is one
//! subject, served by a real axum server on 127.0.0.1 where it takes one.

mod extractors;
mod request_log;
