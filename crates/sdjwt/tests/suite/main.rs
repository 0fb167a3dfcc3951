//! The civitas-sdjwt suite: issuance, presentation and verification round trips, one test per
//! attack, the Token Status List, and interop with the JS `@sd-jwt/sd-jwt-vc` stack.

mod attacks;
mod common;
mod interop;
mod round_trip;
mod status_list;
