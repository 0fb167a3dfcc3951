//! civitas-web integration tests.

mod parity;
mod verify_page;
