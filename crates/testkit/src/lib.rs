//! Test support shared by the civitas crates (not published): fixtures, the JavaScript
//! interop peer, and PDF pages as images.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod js;
pub mod pdf;
pub mod tools;
pub mod vectors;
