//! civitas-issuer's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod backup;
mod common;
mod console;
mod crash;
mod hardening;
mod http_flow;
mod instances;
mod js_interop;
mod oid4vci;
mod postgres;
mod problem_details;
mod profiles;
mod rejections;
mod request_bodies;
mod restart_and_load;
mod sd_jwt;
mod seams;
mod vc_api_modes;
