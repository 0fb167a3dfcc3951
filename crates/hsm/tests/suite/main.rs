//! civitas-hsm's integration tests, one test binary.
//!
//! * `config`: the configuration, the PIN sources and a missing module (no HSM needed).
//! * `softhsm`: makes a SoftHSM2 token in a temporary directory and runs the tests that need
//!   it (`keys`, `issuer`) in a child process of this binary, whose `SOFTHSM2_CONF` names
//!   that directory (SoftHSM reads it once per process).

mod config;
mod issuer;
mod keys;
mod softhsm;
