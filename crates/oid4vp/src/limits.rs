//! The size limits on everything that comes from outside.

/// The largest request object (compact JWS) accepted: 64 KiB.
pub const MAX_REQUEST_OBJECT_BYTES: usize = 64 * 1024;
/// The largest `vp_token` (its JSON, once decoded from the form) accepted: 256 KiB.
pub const MAX_VP_TOKEN_BYTES: usize = 256 * 1024;
/// The largest direct_post form body accepted: percent-encoding may triple the `vp_token`.
pub const MAX_RESPONSE_FORM_BYTES: usize = 3 * MAX_VP_TOKEN_BYTES + 4 * 1024;
/// The largest request link (QR content) accepted: 4 KiB.
pub const MAX_LINK_BYTES: usize = 4 * 1024;
/// The largest DCQL query parsed from bytes: a request object holds it, so 64 KiB.
pub const MAX_DCQL_BYTES: usize = MAX_REQUEST_OBJECT_BYTES;
/// The most credential queries (and credential set queries) in a DCQL query.
pub const MAX_CREDENTIAL_QUERIES: usize = 16;
/// The most claims queries (and claim sets, and options of a set) per credential query.
pub const MAX_CLAIMS_PER_QUERY: usize = 64;
/// The most elements in a claims path pointer.
pub const MAX_PATH_ELEMENTS: usize = 16;
/// The most values (`values`, `vct_values`, `type_values`, trusted authority `values`) in one list.
pub const MAX_VALUES: usize = 64;
/// The longest identifier (credential query id, claim id) accepted, in bytes.
pub const MAX_ID_BYTES: usize = 128;
/// The most presentations returned for one credential query.
pub const MAX_PRESENTATIONS_PER_QUERY: usize = 16;
/// The shortest `nonce` accepted in a request object (characters).
pub const MIN_NONCE_CHARS: usize = 16;
