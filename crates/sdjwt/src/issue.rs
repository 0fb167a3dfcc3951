//! Issuing an SD-JWT VC: the claims at the top level of the payload, each selectively
//! disclosable path replaced by a digest (in an `_sd` array for an object member, by
//! `{"...": digest}` for an array element), decoy digests added, signed as `dc+sd-jwt`.

use civitas_keys::keys::{Jwk, PublicKey};
use civitas_keys::signer::Signer;
use serde_json::{Map, Value};

use crate::disclosure::{Disclosure, SD_ALG, decoy_digest};
use crate::error::SdJwtError;
use crate::path::{SdPath, SdStep, descend};
use crate::verify::{MAX_DEPTH, MAX_DISCLOSURES};
use crate::{SD_JWT_VC_TYPE, jws};

/// Claim names the issuer sets itself (or the SD-JWT format uses): they may not appear in the
/// claims given to [`issue`], nor be made selectively disclosable.
pub const RESERVED_CLAIMS: [&str; 10] = [
    "iss", "iat", "exp", "nbf", "vct", "cnf", "status", "_sd", "_sd_alg", "...",
];

/// The default [`IssueOptions::min_decoys`].
pub const DEFAULT_MIN_DECOYS: usize = 2;

/// Every `_sd` array is padded with decoys to a multiple of this length.
pub const DECOY_MULTIPLE: usize = 4;

/// Where the credential's status is published: index `idx` of the Token Status List at `uri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReference {
    /// The index in the list.
    pub idx: u64,
    /// The URI of the status list token (its `sub`).
    pub uri: String,
}

impl StatusReference {
    /// The `status` claim: `{"status_list": {"idx": …, "uri": …}}`.
    pub fn to_claim(&self) -> Value {
        serde_json::json!({"status_list": {"idx": self.idx, "uri": self.uri}})
    }
}

/// What to issue besides the claims.
#[derive(Debug, Clone)]
pub struct IssueOptions {
    /// The credential type (`vct`); civitas' convention is [`crate::vct::vct_for`].
    pub vct: String,
    /// The issuer (`iss`).
    pub iss: String,
    /// Issued at (`iat`, seconds since the epoch).
    pub iat: i64,
    /// Expiry (`exp`).
    pub exp: Option<i64>,
    /// Not before (`nbf`).
    pub nbf: Option<i64>,
    /// The subject (`sub`), always disclosed.
    pub sub: Option<String>,
    /// The holder's public key (`cnf.jwk`), for key binding.
    pub cnf_jwk: Option<Jwk>,
    /// The status list entry (`status.status_list`).
    pub status: Option<StatusReference>,
    /// The selectively disclosable claims. Each path that names something becomes its own
    /// disclosure (a path and one inside it: the inner disclosure is nested in the outer);
    /// a path that names nothing is skipped.
    pub selectively_disclosable: Vec<SdPath>,
    /// The fewest decoy digests in each `_sd` array; more are added so that its length is a
    /// multiple of [`DECOY_MULTIPLE`] (default [`DEFAULT_MIN_DECOYS`]). Arrays get no decoy
    /// elements.
    pub min_decoys: usize,
}

impl IssueOptions {
    /// Options with the required members and the defaults (no `exp`, `nbf`, `sub`, `cnf`,
    /// `status`, nothing disclosable, [`DEFAULT_MIN_DECOYS`]).
    pub fn new(vct: impl Into<String>, iss: impl Into<String>, iat: i64) -> Self {
        Self {
            vct: vct.into(),
            iss: iss.into(),
            iat,
            exp: None,
            nbf: None,
            sub: None,
            cnf_jwk: None,
            status: None,
            selectively_disclosable: Vec::new(),
            min_decoys: DEFAULT_MIN_DECOYS,
        }
    }
}

/// One disclosure of an issued SD-JWT and the claim it discloses.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedDisclosure {
    /// The concrete path of the claim (array elements by index).
    pub path: SdPath,
    /// The disclosure.
    pub disclosure: Disclosure,
}

/// An issued SD-JWT VC.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedSdJwt {
    /// The compact form `<jwt>~<d1>~…~<dn>~` (no key binding).
    pub sd_jwt: String,
    /// The disclosures, in the order they appear, with their paths.
    pub disclosures: Vec<IssuedDisclosure>,
}

impl IssuedSdJwt {
    /// The compact form.
    pub fn as_str(&self) -> &str {
        &self.sd_jwt
    }
}

/// Issues `claims` as an SD-JWT VC signed by `signer` (header `typ: dc+sd-jwt`, `alg` of the
/// signer, `kid` = its verification method).
pub async fn issue(
    claims: &Map<String, Value>,
    options: &IssueOptions,
    signer: &dyn Signer,
) -> Result<IssuedSdJwt, SdJwtError> {
    for name in claims.keys() {
        if RESERVED_CLAIMS.contains(&name.as_str()) {
            return Err(SdJwtError::ReservedClaim {
                path: name.clone(),
                reason: "set by the issuer from the options, not given as a claim",
            });
        }
        if name == "sub" && options.sub.is_some() {
            return Err(SdJwtError::ReservedClaim {
                path: name.clone(),
                reason: "given both as a claim and in the options",
            });
        }
    }
    for path in &options.selectively_disclosable {
        if let Some(SdStep::Key(first)) = path.0.first()
            && RESERVED_CLAIMS.contains(&first.as_str())
        {
            return Err(SdJwtError::ReservedClaim {
                path: path.to_string(),
                reason: "may not be selectively disclosable",
            });
        }
    }
    check_sd_members(&Value::Object(claims.clone()), &SdPath::default())?;

    let mut payload = Map::new();
    payload.insert("iss".into(), options.iss.clone().into());
    payload.insert("iat".into(), options.iat.into());
    if let Some(nbf) = options.nbf {
        payload.insert("nbf".into(), nbf.into());
    }
    if let Some(exp) = options.exp {
        payload.insert("exp".into(), exp.into());
    }
    payload.insert("vct".into(), options.vct.clone().into());
    if let Some(sub) = &options.sub {
        payload.insert("sub".into(), sub.clone().into());
    }
    if let Some(jwk) = &options.cnf_jwk {
        if jwk.d.is_some() {
            return Err(SdJwtError::InvalidCnf {
                reason: "the holder JWK holds a private key (`d`)".into(),
            });
        }
        PublicKey::from_jwk(jwk).map_err(|e| SdJwtError::InvalidCnf {
            reason: format!("not a supported public key: {e}"),
        })?;
        let jwk = serde_json::to_value(jwk).map_err(|e| SdJwtError::InvalidCnf {
            reason: e.to_string(),
        })?;
        payload.insert("cnf".into(), serde_json::json!({ "jwk": jwk }));
    }
    if let Some(status) = &options.status {
        payload.insert("status".into(), status.to_claim());
    }

    let patterns: Vec<&[SdStep]> = options
        .selectively_disclosable
        .iter()
        .map(|p| p.0.as_slice())
        .collect();
    let mut concealer = Concealer {
        disclosures: Vec::new(),
        min_decoys: options.min_decoys,
    };
    if let Value::Object(concealed) =
        concealer.conceal(Value::Object(claims.clone()), &SdPath::default(), &patterns)
    {
        payload.extend(concealed);
    }
    payload.insert("_sd_alg".into(), SD_ALG.into());
    if concealer.disclosures.len() > MAX_DISCLOSURES {
        return Err(SdJwtError::TooManyDisclosures {
            count: concealer.disclosures.len(),
            max: MAX_DISCLOSURES,
        });
    }

    let jwt = jws::sign(
        SD_JWT_VC_TYPE,
        Some(signer.verification_method()),
        &payload,
        signer,
    )
    .await?;
    let mut sd_jwt = jwt;
    sd_jwt.push('~');
    for d in &concealer.disclosures {
        sd_jwt.push_str(&d.disclosure.encoded);
        sd_jwt.push('~');
    }
    Ok(IssuedSdJwt {
        sd_jwt,
        disclosures: concealer.disclosures,
    })
}

/// Refuses `_sd` and `...` members anywhere in the claims, and claims nested deeper than
/// [`MAX_DEPTH`].
fn check_sd_members(value: &Value, here: &SdPath) -> Result<(), SdJwtError> {
    if here.0.len() >= MAX_DEPTH && (value.is_object() || value.is_array()) {
        return Err(SdJwtError::TooDeep {
            path: here.to_string(),
            max: MAX_DEPTH,
        });
    }
    match value {
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            let path = here.child(SdStep::Key(k.clone()));
            if k == "_sd" || k == "..." || (k == "_sd_alg" && !here.0.is_empty()) {
                return Err(SdJwtError::ReservedClaim {
                    path: path.to_string(),
                    reason: "a member name the SD-JWT format reserves",
                });
            }
            check_sd_members(v, &path)
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_sd_members(v, &here.child(SdStep::Index(i)))),
        _ => Ok(()),
    }
}

/// Replaces the disclosable claims by digests, collecting the disclosures (inner ones first,
/// so that an outer disclosure's value holds the inner one's digest).
struct Concealer {
    disclosures: Vec<IssuedDisclosure>,
    min_decoys: usize,
}

impl Concealer {
    fn conceal(&mut self, value: Value, here: &SdPath, patterns: &[&[SdStep]]) -> Value {
        if patterns.is_empty() {
            return value;
        }
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                let mut digests = Vec::new();
                for (k, v) in map {
                    let step = SdStep::Key(k.clone());
                    let (rests, ends) = descend(patterns, &step);
                    let path = here.child(step);
                    let v = self.conceal(v, &path, &rests);
                    if ends {
                        let disclosure = Disclosure::new(Some(&k), v);
                        digests.push(disclosure.digest());
                        self.disclosures.push(IssuedDisclosure { path, disclosure });
                    } else {
                        out.insert(k, v);
                    }
                }
                if !digests.is_empty() {
                    let total = (digests.len() + self.min_decoys).next_multiple_of(DECOY_MULTIPLE);
                    while digests.len() < total {
                        digests.push(decoy_digest());
                    }
                    // Sorted, so that the order says nothing about the claims' order.
                    digests.sort_unstable();
                    out.insert(
                        "_sd".into(),
                        Value::Array(digests.into_iter().map(Value::String).collect()),
                    );
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let step = SdStep::Index(i);
                        let (rests, ends) = descend(patterns, &step);
                        let path = here.child(step);
                        let v = self.conceal(v, &path, &rests);
                        if ends {
                            let disclosure = Disclosure::new(None, v);
                            let reference = serde_json::json!({"...": disclosure.digest()});
                            self.disclosures.push(IssuedDisclosure { path, disclosure });
                            reference
                        } else {
                            v
                        }
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}
