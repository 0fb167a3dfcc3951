//! Reading ([`parse`]) and verifying ([`verify`]) an SD-JWT VC presentation: the issuer's
//! signature, every disclosure (each referenced exactly once, no clash with a plain claim),
//! the validity period, `vct`, `cnf`, `status`, and the key binding JWT.

use std::collections::{HashMap, HashSet};

use civitas_keys::encoding;
use civitas_keys::keys::{Jwk, PublicKey};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::disclosure::{Disclosure, SD_ALG};
use crate::error::SdJwtError;
use crate::issue::StatusReference;
use crate::jws::{self, Jws};
use crate::path::{SdPath, SdStep};
use crate::{KB_JWT_TYPE, LEGACY_SD_JWT_VC_TYPE, SD_JWT_VC_TYPE};

/// The largest SD-JWT (with its disclosures and KB-JWT) accepted, in bytes.
pub const MAX_SD_JWT_BYTES: usize = 64 * 1024;
/// The most disclosures accepted.
pub const MAX_DISCLOSURES: usize = 256;
/// The deepest nesting of objects and arrays accepted, in the payload, in each disclosure and
/// in the reconstructed claims.
pub const MAX_DEPTH: usize = 16;

/// Members of a JWK that hold private key material: refused in `cnf.jwk`.
const PRIVATE_JWK_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Registered claims that must be in plain in the issuer-signed payload (SD-JWT VC §3.2.2).
const NEVER_DISCLOSED: [&str; 7] = ["iss", "nbf", "exp", "cnf", "vct", "status", "_sd_alg"];

/// An SD-JWT split into its parts and decoded, nothing verified yet.
#[derive(Debug, Clone)]
pub struct SdJwt {
    /// The issuer-signed JWT's protected header.
    pub header: Map<String, Value>,
    /// The issuer-signed JWT's payload (digests, not claims).
    pub payload: Map<String, Value>,
    /// The disclosures, in order.
    pub disclosures: Vec<Disclosure>,
    /// The KB-JWT, if any.
    pub kb_jwt: Option<String>,
    /// The issuer-signed JWT, compact.
    pub issuer_jwt: String,
    /// The text up to and including the last `~`: what a KB-JWT's `sd_hash` covers.
    pub presented: String,
    jws: Jws,
}

/// JSON nesting depth of `value` (a scalar is 0).
fn depth(value: &Value) -> usize {
    match value {
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Splits and decodes an SD-JWT (`<jwt>~<d1>~…~<dn>~[<kb-jwt>]`), refusing more than
/// [`MAX_SD_JWT_BYTES`], more than [`MAX_DISCLOSURES`] disclosures and nesting deeper than
/// [`MAX_DEPTH`]. Surrounding whitespace is ignored.
pub fn parse(text: &str) -> Result<SdJwt, SdJwtError> {
    if text.len() > MAX_SD_JWT_BYTES {
        return Err(SdJwtError::TooLarge {
            what: "the SD-JWT",
            size: text.len(),
            max: MAX_SD_JWT_BYTES,
        });
    }
    let text = text.trim();
    let last = text.rfind('~').ok_or(SdJwtError::NotSdJwt)?;
    let (presented, kb) = (&text[..=last], &text[last + 1..]);
    let mut parts = presented[..last].split('~');
    let issuer_jwt = parts.next().unwrap_or_default();
    let encoded: Vec<&str> = parts.collect();
    if encoded.len() > MAX_DISCLOSURES {
        return Err(SdJwtError::TooManyDisclosures {
            count: encoded.len(),
            max: MAX_DISCLOSURES,
        });
    }
    let jws = jws::decode("issuer JWT", issuer_jwt)?;
    if depth(&Value::Object(jws.payload.clone())) > MAX_DEPTH {
        return Err(SdJwtError::TooDeep {
            path: "issuer JWT payload".into(),
            max: MAX_DEPTH,
        });
    }
    let disclosures = encoded
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let d = Disclosure::parse(e, i)?;
            if depth(&d.value) > MAX_DEPTH {
                return Err(SdJwtError::TooDeep {
                    path: format!("disclosure {i}"),
                    max: MAX_DEPTH,
                });
            }
            Ok(d)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SdJwt {
        header: jws.header.clone(),
        payload: jws.payload.clone(),
        disclosures,
        kb_jwt: (!kb.is_empty()).then(|| kb.to_owned()),
        issuer_jwt: issuer_jwt.to_owned(),
        presented: presented.to_owned(),
        jws,
    })
}

/// The `sd_hash` of a presentation: base64url(SHA-256(ASCII of everything up to and including
/// the last `~`)).
pub fn sd_hash(presented: &str) -> String {
    encoding::base64url(&Sha256::digest(presented.as_bytes()))
}

/// What key binding the verifier asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBindingPolicy {
    /// A KB-JWT must be present, signed by the `cnf` key, for this audience and nonce, issued
    /// at most `max_age_secs` ago (and not in the future beyond the clock skew).
    Required {
        /// The expected `aud` (the verifier).
        aud: String,
        /// The expected `nonce`.
        nonce: String,
        /// How old the KB-JWT's `iat` may be, in seconds.
        max_age_secs: i64,
    },
    /// A KB-JWT, when present, must have the right `typ`, be signed by the `cnf` key, cover
    /// the presentation (`sd_hash`) and not be issued in the future; its `aud` and `nonce` are
    /// not checked (they are returned in [`VerifiedSdJwt::key_binding`]).
    Optional,
    /// A KB-JWT is refused.
    Forbidden,
}

/// How to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The verification time (seconds since the epoch).
    pub now: i64,
    /// What key binding is asked for.
    pub key_binding: KeyBindingPolicy,
    /// Tolerated clock difference in seconds, for `exp`, `nbf` and every `iat`.
    pub clock_skew_secs: i64,
}

impl VerifyOptions {
    /// At `now`, key binding optional, 60 seconds of clock skew.
    pub fn new(now: i64) -> Self {
        Self {
            now,
            key_binding: KeyBindingPolicy::Optional,
            clock_skew_secs: 60,
        }
    }

    /// Requires a KB-JWT for `aud` and `nonce`, at most `max_age_secs` old.
    pub fn require_key_binding(mut self, aud: &str, nonce: &str, max_age_secs: i64) -> Self {
        self.key_binding = KeyBindingPolicy::Required {
            aud: aud.to_owned(),
            nonce: nonce.to_owned(),
            max_age_secs,
        };
        self
    }
}

/// A verified key binding JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    /// Its `aud`.
    pub aud: String,
    /// Its `nonce`.
    pub nonce: String,
    /// Its `iat`.
    pub iat: i64,
}

/// A verified SD-JWT VC.
#[derive(Debug, Clone)]
pub struct VerifiedSdJwt {
    /// The issuer JWT's header.
    pub header: Map<String, Value>,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// The claims: the plain ones and the disclosed ones, `_sd`, `_sd_alg` and `...` removed,
    /// undisclosed array elements dropped (registered claims such as `iss` and `vct` included).
    pub claims: Map<String, Value>,
    /// `vct`.
    pub vct: String,
    /// `iss`.
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `iat`.
    pub iat: Option<i64>,
    /// `exp`.
    pub exp: Option<i64>,
    /// `nbf`.
    pub nbf: Option<i64>,
    /// `cnf.jwk`, the holder's key.
    pub cnf: Option<PublicKey>,
    /// `cnf.jwk` as given.
    pub cnf_jwk: Option<Jwk>,
    /// `status.status_list`.
    pub status: Option<StatusReference>,
    /// The paths of the disclosed claims (array elements by their index in `claims`), each
    /// parent before the claims disclosed inside it.
    pub disclosed: Vec<SdPath>,
    /// The verified KB-JWT's claims, when there was one.
    pub key_binding: Option<KeyBinding>,
}

impl VerifiedSdJwt {
    /// Whether a KB-JWT was verified.
    pub fn key_binding_verified(&self) -> bool {
        self.key_binding.is_some()
    }
}

/// Verifies `text` with the issuer's key.
pub fn verify(
    text: &str,
    issuer_key: &PublicKey,
    options: &VerifyOptions,
) -> Result<VerifiedSdJwt, SdJwtError> {
    verify_with(text, &|_| Some(issuer_key.clone()), options)
}

/// Verifies `text` with the issuer key `resolve` gives for the header's `kid` (the caller
/// resolves DIDs; `None` refuses the SD-JWT).
pub fn verify_with(
    text: &str,
    resolve: &dyn Fn(Option<&str>) -> Option<PublicKey>,
    options: &VerifyOptions,
) -> Result<VerifiedSdJwt, SdJwtError> {
    let sd = parse(text)?;
    const WHAT: &str = "issuer JWT";
    sd.jws
        .expect_typ(WHAT, &[SD_JWT_VC_TYPE, LEGACY_SD_JWT_VC_TYPE])?;
    sd.jws.algorithm(WHAT)?;
    let kid = sd.header.get("kid").and_then(Value::as_str);
    let key = resolve(kid).ok_or_else(|| SdJwtError::UnknownKey {
        kid: kid.map(str::to_owned),
    })?;
    sd.jws.verify_signature(WHAT, &key)?;
    match sd.payload.get("_sd_alg") {
        None => {}
        Some(Value::String(alg)) if alg == SD_ALG => {}
        Some(other) => {
            return Err(SdJwtError::UnsupportedSdAlg {
                alg: other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_owned),
            });
        }
    }

    let claims = reconstruct(&sd)?;
    let disclosed = claims.1;
    let claims = claims.0;

    let now = options.now;
    let skew = options.clock_skew_secs;
    let exp = jws::int_claim(&claims, "exp")?;
    let nbf = jws::int_claim(&claims, "nbf")?;
    let iat = jws::int_claim(&claims, "iat")?;
    if let Some(exp) = exp
        && exp <= now - skew
    {
        return Err(SdJwtError::Expired { exp, now });
    }
    if let Some(nbf) = nbf
        && nbf > now + skew
    {
        return Err(SdJwtError::NotYetValid { nbf, now });
    }
    if let Some(iat) = iat
        && iat > now + skew
    {
        return Err(SdJwtError::IssuedInFuture { iat, now });
    }
    let string_claim = |claim: &'static str| -> Result<Option<String>, SdJwtError> {
        match claims.get(claim) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(SdJwtError::InvalidClaim {
                claim,
                reason: "not a string".into(),
            }),
        }
    };
    let vct = string_claim("vct")?.ok_or_else(|| SdJwtError::InvalidClaim {
        claim: "vct",
        reason: "missing (an SD-JWT VC must name its type)".into(),
    })?;
    let iss = string_claim("iss")?;
    let sub = string_claim("sub")?;
    let (cnf, cnf_jwk) = match claims.get("cnf") {
        Some(cnf) => {
            let (key, jwk) = cnf_key(cnf)?;
            (Some(key), Some(jwk))
        }
        None => (None, None),
    };
    let status = claims.get("status").map(status_reference).transpose()?;

    let key_binding = match (&options.key_binding, &sd.kb_jwt) {
        (KeyBindingPolicy::Required { .. }, None) => return Err(SdJwtError::KeyBindingMissing),
        (KeyBindingPolicy::Forbidden, Some(_)) => {
            return Err(SdJwtError::UnexpectedKeyBinding {
                reason: "the verifier does not accept key binding",
            });
        }
        (_, None) => None,
        (policy, Some(kb)) => Some(verify_key_binding(
            kb,
            &sd.presented,
            cnf.as_ref(),
            policy,
            now,
            skew,
        )?),
    };

    Ok(VerifiedSdJwt {
        kid: kid.map(str::to_owned),
        header: sd.header,
        claims,
        vct,
        iss,
        sub,
        iat,
        exp,
        nbf,
        cnf,
        cnf_jwk,
        status,
        disclosed,
        key_binding,
    })
}

/// The holder's key from `cnf`: `{"jwk": <a public Ed25519 or P-256 JWK>}`.
fn cnf_key(cnf: &Value) -> Result<(PublicKey, Jwk), SdJwtError> {
    let invalid = |reason: &str| SdJwtError::InvalidCnf {
        reason: reason.into(),
    };
    let jwk = cnf
        .as_object()
        .ok_or_else(|| invalid("not an object"))?
        .get("jwk")
        .ok_or_else(|| invalid("no `jwk` (the only confirmation method supported)"))?;
    let members = jwk
        .as_object()
        .ok_or_else(|| invalid("`jwk` is not an object"))?;
    if let Some(m) = PRIVATE_JWK_MEMBERS
        .iter()
        .find(|m| members.contains_key(**m))
    {
        return Err(invalid(&format!("`jwk` holds a private member `{m}`")));
    }
    let jwk: Jwk = serde_json::from_value(jwk.clone())
        .map_err(|e| invalid(&format!("`jwk` is not a valid JWK: {e}")))?;
    let key = PublicKey::from_jwk(&jwk)
        .map_err(|e| invalid(&format!("`jwk` is not a supported key: {e}")))?;
    Ok((key, jwk))
}

/// `status` → `{"status_list": {"idx": n, "uri": "…"}}`.
fn status_reference(status: &Value) -> Result<StatusReference, SdJwtError> {
    let invalid = |reason: &str| SdJwtError::InvalidStatusReference {
        reason: reason.into(),
    };
    let list = status
        .get("status_list")
        .ok_or_else(|| invalid("no `status_list` (the only status mechanism supported)"))?;
    let idx = list
        .get("idx")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("`status_list.idx` is not a non-negative integer"))?;
    let uri = list
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("`status_list.uri` is not a string"))?;
    Ok(StatusReference {
        idx,
        uri: uri.to_owned(),
    })
}

fn verify_key_binding(
    kb: &str,
    presented: &str,
    cnf: Option<&PublicKey>,
    policy: &KeyBindingPolicy,
    now: i64,
    skew: i64,
) -> Result<KeyBinding, SdJwtError> {
    const WHAT: &str = "KB-JWT";
    let jws = jws::decode(WHAT, kb)?;
    jws.expect_typ(WHAT, &[KB_JWT_TYPE])?;
    let key = cnf.ok_or(SdJwtError::KeyBindingNoCnf)?;
    jws.verify_signature(WHAT, key)?;
    let invalid = |reason: &str| SdJwtError::KeyBindingInvalid {
        reason: reason.into(),
    };
    let p = &jws.payload;
    let iat = p
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("`iat` is missing or not an integer"))?;
    let aud = p.get("aud").and_then(Value::as_str);
    let nonce = p.get("nonce").and_then(Value::as_str);
    if let KeyBindingPolicy::Required {
        aud: expected_aud,
        nonce: expected_nonce,
        max_age_secs,
    } = policy
    {
        if aud != Some(expected_aud.as_str()) {
            return Err(SdJwtError::KeyBindingAudience {
                expected: expected_aud.clone(),
                found: aud.map(str::to_owned),
            });
        }
        if nonce != Some(expected_nonce.as_str()) {
            return Err(SdJwtError::KeyBindingNonce);
        }
        if iat < now - max_age_secs - skew {
            return Err(SdJwtError::KeyBindingStale {
                iat,
                now,
                reason: "too old",
            });
        }
    }
    if iat > now + skew {
        return Err(SdJwtError::KeyBindingStale {
            iat,
            now,
            reason: "in the future",
        });
    }
    let aud = aud.ok_or_else(|| invalid("`aud` is missing or not a string"))?;
    let nonce = nonce.ok_or_else(|| invalid("`nonce` is missing or not a string"))?;
    match p.get("sd_hash").and_then(Value::as_str) {
        Some(h) if h == sd_hash(presented) => {}
        Some(_) => return Err(SdJwtError::KeyBindingHash),
        None => return Err(invalid("`sd_hash` is missing or not a string")),
    }
    Ok(KeyBinding {
        aud: aud.to_owned(),
        nonce: nonce.to_owned(),
        iat,
    })
}

/// Rebuilds the claims from the payload and the disclosures; returns them and the paths of
/// the disclosed claims.
fn reconstruct(sd: &SdJwt) -> Result<(Map<String, Value>, Vec<SdPath>), SdJwtError> {
    let mut by_digest: HashMap<String, usize> = HashMap::new();
    for (i, d) in sd.disclosures.iter().enumerate() {
        if let Some(first) = by_digest.insert(d.digest(), i) {
            return Err(SdJwtError::DuplicateDisclosure { first, second: i });
        }
    }
    let mut r = Reconstruction {
        disclosures: &sd.disclosures,
        by_digest,
        used: vec![false; sd.disclosures.len()],
        seen: HashSet::new(),
        disclosed: Vec::new(),
    };
    let claims = r.object(&sd.payload, &SdPath::default())?;
    if let Some(index) = r.used.iter().position(|u| !u) {
        return Err(SdJwtError::DisclosureNotReferenced { index });
    }
    Ok((claims, r.disclosed))
}

struct Reconstruction<'a> {
    disclosures: &'a [Disclosure],
    by_digest: HashMap<String, usize>,
    used: Vec<bool>,
    seen: HashSet<String>,
    disclosed: Vec<SdPath>,
}

impl Reconstruction<'_> {
    /// The disclosure a digest references, if any; each digest may appear only once.
    fn reference(&mut self, digest: &str, here: &SdPath) -> Result<Option<usize>, SdJwtError> {
        if !self.seen.insert(digest.to_owned()) {
            return Err(SdJwtError::DuplicateDigest {
                digest: digest.to_owned(),
                path: here.to_string(),
            });
        }
        let found = self.by_digest.get(digest).copied();
        if let Some(i) = found {
            self.used[i] = true;
        }
        Ok(found)
    }

    fn object(
        &mut self,
        map: &Map<String, Value>,
        here: &SdPath,
    ) -> Result<Map<String, Value>, SdJwtError> {
        if here.0.len() >= MAX_DEPTH {
            return Err(SdJwtError::TooDeep {
                path: here.to_string(),
                max: MAX_DEPTH,
            });
        }
        let top = here.0.is_empty();
        let mut out = Map::new();
        for (k, v) in map {
            match k.as_str() {
                "_sd" => continue,
                "_sd_alg" if top => continue,
                "..." => {
                    return Err(SdJwtError::MalformedSd {
                        path: here.to_string(),
                        reason: "a `...` member outside an array element reference",
                    });
                }
                _ => {}
            }
            let value = self.value(v, &here.child(SdStep::Key(k.clone())))?;
            out.insert(k.clone(), value);
        }
        let Some(sd) = map.get("_sd") else {
            return Ok(out);
        };
        let malformed = |reason| SdJwtError::MalformedSd {
            path: here.to_string(),
            reason,
        };
        let digests = sd
            .as_array()
            .ok_or_else(|| malformed("`_sd` is not an array"))?;
        for digest in digests {
            let digest = digest
                .as_str()
                .ok_or_else(|| malformed("`_sd` holds something that is not a digest string"))?;
            let Some(index) = self.reference(digest, here)? else {
                continue; // undisclosed, or a decoy
            };
            let disclosure = &self.disclosures[index];
            let Some(name) = &disclosure.name else {
                return Err(SdJwtError::DisclosureKindMismatch {
                    index,
                    path: here.to_string(),
                    expected: "an object property disclosure `[salt, name, value]`",
                });
            };
            let clash = |reason| SdJwtError::ClashingClaim {
                index,
                path: here.to_string(),
                name: name.clone(),
                reason,
            };
            if name == "_sd" || name == "..." {
                return Err(clash("a name the SD-JWT format reserves"));
            }
            if top && NEVER_DISCLOSED.contains(&name.as_str()) {
                return Err(clash(
                    "a registered claim that may not be selectively disclosed",
                ));
            }
            if out.contains_key(name) {
                return Err(clash("the claim already exists at that level"));
            }
            let path = here.child(SdStep::Key(name.clone()));
            self.disclosed.push(path.clone());
            let value = self.value(&disclosure.value, &path)?;
            out.insert(name.clone(), value);
        }
        Ok(out)
    }

    fn value(&mut self, value: &Value, here: &SdPath) -> Result<Value, SdJwtError> {
        match value {
            Value::Object(map) => self.object(map, here).map(Value::Object),
            Value::Array(items) => {
                if here.0.len() >= MAX_DEPTH {
                    return Err(SdJwtError::TooDeep {
                        path: here.to_string(),
                        max: MAX_DEPTH,
                    });
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let path = here.child(SdStep::Index(out.len()));
                    match item.as_object().and_then(|o| o.get("...").map(|d| (o, d))) {
                        Some((o, digest)) => {
                            let malformed = |reason| SdJwtError::MalformedSd {
                                path: path.to_string(),
                                reason,
                            };
                            if o.len() != 1 {
                                return Err(malformed(
                                    "an array element reference with members besides `...`",
                                ));
                            }
                            let digest = digest
                                .as_str()
                                .ok_or_else(|| malformed("`...` is not a digest string"))?;
                            let Some(index) = self.reference(digest, &path)? else {
                                continue; // undisclosed, or a decoy: dropped
                            };
                            let disclosure = &self.disclosures[index];
                            if disclosure.name.is_some() {
                                return Err(SdJwtError::DisclosureKindMismatch {
                                    index,
                                    path: path.to_string(),
                                    expected: "an array element disclosure `[salt, value]`",
                                });
                            }
                            self.disclosed.push(path.clone());
                            out.push(self.value(&disclosure.value, &path)?);
                        }
                        None => out.push(self.value(item, &path)?),
                    }
                }
                Ok(Value::Array(out))
            }
            other => Ok(other.clone()),
        }
    }
}

/// The claims `sd` discloses, with the paths of the disclosed ones, as [`verify`] reconstructs
/// them — but NOTHING is verified (no signature, no key binding): for showing or filing what a
/// verification then accepts or refuses.
pub fn disclosed_claims(sd: &SdJwt) -> Result<(Map<String, Value>, Vec<SdPath>), SdJwtError> {
    reconstruct(sd)
}
