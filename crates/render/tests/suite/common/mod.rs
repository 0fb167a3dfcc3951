//! Helpers shared by the render test modules.

pub mod photo;
