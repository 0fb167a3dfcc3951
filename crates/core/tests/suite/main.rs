//! civitas-core's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod bundled_types;
mod canon_equivalence;
mod canon_rdfc_js;
mod civitas_vectors;
mod common;
mod document_check;
mod hostile_input;
mod js_interop;
mod presentations;
mod rejections;
mod typed_errors;
mod vc_v1_and_ssi;
mod w3c_vectors;
