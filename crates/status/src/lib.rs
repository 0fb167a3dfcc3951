//! civitas-status: W3C Bitstring Status Lists (work in progress).
#![forbid(unsafe_code)]
