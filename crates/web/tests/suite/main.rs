//! civitas-web integration tests.
