#![doc = include_str!("../README.md")]
//!
//! Test support shared by the civitas crates (not published): the civil-registry fixtures
//! (feature `fixtures`), the JavaScript interop peer, and PDF pages as images.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod js;
pub mod pdf;
pub mod postgres;
pub mod samples;
pub mod tools;
pub mod vectors;
