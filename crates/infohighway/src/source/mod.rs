//! Where records come from: export files ([`file`](mod@file)) and InfoHighway e-service feeds
//! ([`infohighway`]).

pub mod file;
pub mod infohighway;
