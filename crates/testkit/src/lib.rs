//! Test support shared by the civitas crates (not published): fixtures and the JavaScript
//! interop peer.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod js;
