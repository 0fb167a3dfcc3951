//! civitas-profile's integration tests, one binary: the bundled profiles, their equivalence with
//! the hand-written context, schemas and QR key table, and the loader's errors.

mod bad_input;
mod bundled;
mod common;
mod equivalence;
mod hostile_input;

mod new_types;
