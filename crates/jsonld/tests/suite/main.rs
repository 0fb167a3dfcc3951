//! civitas-jsonld's integration tests, one test binary (one link step) for the whole crate:
//! the W3C JSON-LD toRdf and RDFC-1.0 suites against civitas' canonicalization.

mod canon_w3c_rdfc;
mod canon_w3c_tordf;
mod common;
