//! [`SdJwtError`]: every way issuing, presenting or verifying an SD-JWT VC or a status list
//! token can fail, each saying what is wrong and where.

use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::signer::SignerError;

/// Why an SD-JWT, a presentation or a status list token could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdJwtError {
    /// Input longer than the limit.
    #[error("{what} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// More disclosures than the limit.
    #[error("{count} disclosures, more than the {max} allowed")]
    TooManyDisclosures {
        /// How many there are.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The claims nest deeper than the limit.
    #[error("claims nest deeper than {max} levels at `{path}`")]
    TooDeep {
        /// Where the limit was reached.
        path: String,
        /// The limit.
        max: usize,
    },
    /// The text has no `~`: it is not an SD-JWT (perhaps a plain JWT).
    #[error("not an SD-JWT: no `~` separator (a plain JWT?)")]
    NotSdJwt,
    /// A compact JWS does not have three parts.
    #[error("{what}: a compact JWS has 3 parts separated by `.`, this has {count}")]
    JwsParts {
        /// Which JWT.
        what: &'static str,
        /// How many parts it has.
        count: usize,
    },
    /// Invalid base64url.
    #[error("{what}: invalid base64url at byte {offset}")]
    Base64 {
        /// Which part (e.g. `issuer JWT payload`, `disclosure 3`).
        what: String,
        /// Byte offset of the first invalid character inside that part.
        offset: usize,
    },
    /// Not (the expected) JSON.
    #[error("{what} is not valid JSON of the expected shape: {reason}")]
    Json {
        /// Which part.
        what: String,
        /// Why.
        reason: String,
    },
    /// A `~~`: an empty disclosure.
    #[error("disclosure {index} is empty (`~~`)")]
    EmptyDisclosure {
        /// Index of the disclosure (0 = the first after the issuer JWT).
        index: usize,
    },
    /// A disclosure is not `[salt, name, value]` or `[salt, value]`.
    #[error("disclosure {index} is malformed: {reason}")]
    MalformedDisclosure {
        /// Index of the disclosure.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The header `typ` is not the expected media type.
    #[error("{what}: header `typ` is {found:?}, expected `{expected}`")]
    WrongType {
        /// Which JWT.
        what: &'static str,
        /// The expected `typ`.
        expected: &'static str,
        /// The `typ` found, if any.
        found: Option<String>,
    },
    /// The header `alg` is missing, `none`, symmetric or not supported.
    #[error("{what}: `alg` {alg:?} is not allowed (EdDSA or ES256 only)")]
    AlgorithmNotAllowed {
        /// Which JWT.
        what: &'static str,
        /// The `alg` found (empty when missing).
        alg: String,
    },
    /// The header `alg` does not match the key's algorithm.
    #[error("{what}: `alg` is {} but the key is a {key} key", header.jose_alg())]
    AlgorithmMismatch {
        /// Which JWT.
        what: &'static str,
        /// The header's algorithm.
        header: KeyAlgorithm,
        /// The key's algorithm.
        key: KeyAlgorithm,
    },
    /// A header member civitas does not support (`crit`, embedded keys).
    #[error("{what}: header member `{member}` is not supported")]
    UnsupportedHeader {
        /// Which JWT.
        what: &'static str,
        /// The member.
        member: String,
    },
    /// The signature does not verify.
    #[error("{what}: the signature does not match (altered, or signed by another key)")]
    BadSignature {
        /// Which JWT.
        what: &'static str,
    },
    /// The issuer's key could not be found for the header's `kid`.
    #[error("no issuer key for `kid` {kid:?}")]
    UnknownKey {
        /// The header's `kid`.
        kid: Option<String>,
    },
    /// `_sd_alg` is not `sha-256`.
    #[error("`_sd_alg` {alg:?} is not supported (only sha-256)")]
    UnsupportedSdAlg {
        /// The value found.
        alg: String,
    },
    /// A disclosure's digest appears nowhere in the payload or the other disclosures.
    #[error(
        "disclosure {index} is not referenced by the issuer-signed payload or another disclosure"
    )]
    DisclosureNotReferenced {
        /// Index of the disclosure.
        index: usize,
    },
    /// The same disclosure appears twice.
    #[error("disclosure {second} repeats disclosure {first}")]
    DuplicateDisclosure {
        /// Index of the first copy.
        first: usize,
        /// Index of the second copy.
        second: usize,
    },
    /// The same digest is referenced twice.
    #[error("digest {digest} is referenced twice (again at `{path}`)")]
    DuplicateDigest {
        /// The digest.
        digest: String,
        /// Where it was seen the second time.
        path: String,
    },
    /// A disclosed claim name exists in plain at that level, or is reserved.
    #[error("disclosure {index} discloses `{name}` at `{path}`: {reason}")]
    ClashingClaim {
        /// Index of the disclosure.
        index: usize,
        /// Path of the object the claim would go into.
        path: String,
        /// The claim name.
        name: String,
        /// Why it clashes.
        reason: &'static str,
    },
    /// An object-property disclosure referenced from an array, or the other way round.
    #[error("disclosure {index} referenced at `{path}` should be {expected}")]
    DisclosureKindMismatch {
        /// Index of the disclosure.
        index: usize,
        /// Where it is referenced.
        path: String,
        /// What kind was expected there.
        expected: &'static str,
    },
    /// An `_sd` or `...` member that is not what the SD-JWT format says.
    #[error("malformed selective-disclosure member at `{path}`: {reason}")]
    MalformedSd {
        /// Where.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// `exp` has passed.
    #[error("expired: `exp` {exp} is not after now ({now})")]
    Expired {
        /// `exp`.
        exp: i64,
        /// The verification time.
        now: i64,
    },
    /// `nbf` is in the future.
    #[error("not yet valid: `nbf` {nbf} is after now ({now})")]
    NotYetValid {
        /// `nbf`.
        nbf: i64,
        /// The verification time.
        now: i64,
    },
    /// `iat` is in the future.
    #[error("`iat` {iat} is in the future (now {now})")]
    IssuedInFuture {
        /// `iat`.
        iat: i64,
        /// The verification time.
        now: i64,
    },
    /// A registered claim is missing or has the wrong type.
    #[error("claim `{claim}`: {reason}")]
    InvalidClaim {
        /// The claim.
        claim: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// `cnf` is not `{"jwk": <public key>}` of a supported key.
    #[error("`cnf`: {reason}")]
    InvalidCnf {
        /// What is wrong.
        reason: String,
    },
    /// `status` is not `{"status_list": {"idx": n, "uri": "…"}}`.
    #[error("`status`: {reason}")]
    InvalidStatusReference {
        /// What is wrong.
        reason: String,
    },
    /// Key binding is required and there is no KB-JWT.
    #[error("key binding is required but the presentation has no KB-JWT")]
    KeyBindingMissing,
    /// A KB-JWT was given where key binding is forbidden (or to `select`).
    #[error("unexpected KB-JWT: {reason}")]
    UnexpectedKeyBinding {
        /// Why it is not expected.
        reason: &'static str,
    },
    /// A KB-JWT but no `cnf` key in the credential to check it with.
    #[error("a KB-JWT is present but the credential has no `cnf` key")]
    KeyBindingNoCnf,
    /// The KB-JWT's `aud` is not the expected one.
    #[error("KB-JWT `aud` is {found:?}, expected {expected:?}")]
    KeyBindingAudience {
        /// The expected audience.
        expected: String,
        /// The one found.
        found: Option<String>,
    },
    /// The KB-JWT's `nonce` is not the expected one.
    #[error("KB-JWT `nonce` is not the expected one")]
    KeyBindingNonce,
    /// The KB-JWT's `iat` is too old or in the future.
    #[error("KB-JWT `iat` {iat} is {reason} (now {now})")]
    KeyBindingStale {
        /// The KB-JWT's `iat`.
        iat: i64,
        /// The verification time.
        now: i64,
        /// `too old` or `in the future`.
        reason: &'static str,
    },
    /// The KB-JWT's `sd_hash` is not the hash of the presentation.
    #[error("KB-JWT `sd_hash` does not match the presented SD-JWT")]
    KeyBindingHash,
    /// The KB-JWT lacks a claim or has one of the wrong type.
    #[error("KB-JWT: {reason}")]
    KeyBindingInvalid {
        /// What is wrong.
        reason: String,
    },
    /// A reserved claim name in the claims to issue, or a reserved claim made disclosable.
    #[error("`{path}` is a reserved claim: {reason}")]
    ReservedClaim {
        /// The claim's path.
        path: String,
        /// Why it may not be used there.
        reason: &'static str,
    },
    /// A claim path could not be read.
    #[error("claim path {text:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        text: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// A status list's `bits` is not 1, 2, 4 or 8.
    #[error("status list `bits` is {bits}, must be 1, 2, 4 or 8")]
    InvalidBits {
        /// The value.
        bits: u64,
    },
    /// A status list index past the end.
    #[error("status list index {idx} is out of range (the list has {len} entries)")]
    IndexOutOfRange {
        /// The index.
        idx: u64,
        /// The number of entries.
        len: u64,
    },
    /// A status value that does not fit in `bits`.
    #[error("status value {value} does not fit in {bits} bits")]
    InvalidStatusValue {
        /// The value.
        value: u8,
        /// The list's `bits`.
        bits: u8,
    },
    /// A status list larger than the limit.
    #[error("status list of {entries} entries is longer than the {max} allowed")]
    StatusListTooLong {
        /// The number of entries asked for.
        entries: u64,
        /// The limit.
        max: u64,
    },
    /// The `lst` is not valid zlib data.
    #[error("status list `lst`: {reason}")]
    Decompression {
        /// What is wrong.
        reason: String,
    },
    /// The `lst` decompresses to more than the limit (a zlib bomb?).
    #[error("status list `lst` decompresses to more than {max} bytes")]
    DecompressedTooLarge {
        /// The limit.
        max: usize,
    },
    /// The status list token's `sub` is not the URI the credential references.
    #[error("status list token `sub` is {found:?}, expected {expected:?}")]
    WrongSubject {
        /// The referenced URI.
        expected: String,
        /// The `sub` found.
        found: Option<String>,
    },
}
