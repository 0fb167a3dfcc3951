#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assets;
pub mod html;
pub mod lang;
pub mod layout;
pub mod offline;
pub mod verify;

pub use html::escape;
pub use lang::Lang;
pub use layout::{Nav, Page};
