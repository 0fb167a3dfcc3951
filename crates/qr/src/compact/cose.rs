//! COSE_Sign1 (RFC 9052 §4.2), hand-written over ciborium: tagged 18, the protected header
//! carrying exactly `alg` (1) and `kid` (4), an empty unprotected header, an attached payload and
//! a 64-byte signature (Ed25519, or ECDSA P-256 as `r‖s`).

use ciborium::Value;

use civitas_keys::keys::KeyAlgorithm;

/// The CBOR tag of a COSE_Sign1 message.
pub const COSE_SIGN1_TAG: u64 = 18;
/// COSE header label `alg`.
pub const HEADER_ALG: i64 = 1;
/// COSE header label `kid`.
pub const HEADER_KID: i64 = 4;
/// COSE algorithm EdDSA.
pub const ALG_EDDSA: i64 = -8;
/// COSE algorithm ES256.
pub const ALG_ES256: i64 = -7;
/// Longest `kid` accepted (a verification method id).
pub const MAX_KID_BYTES: usize = 1024;

/// Why bytes are not a COSE_Sign1 message civitas accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoseError {
    /// Not well-formed CBOR.
    #[error("not valid CBOR: {0}")]
    Cbor(String),
    /// Well-formed, but not the structure required.
    #[error("not a civitas COSE_Sign1 message: {0}")]
    Structure(String),
    /// An algorithm civitas does not verify.
    #[error("COSE algorithm {0} is not supported (EdDSA -8, ES256 -7)")]
    Algorithm(i64),
}

fn structure(reason: impl Into<String>) -> CoseError {
    CoseError::Structure(reason.into())
}

/// Serializes a CBOR value.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, CoseError> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).map_err(|e| CoseError::Cbor(e.to_string()))?;
    Ok(out)
}

/// Parses exactly one CBOR data item that fills `bytes`.
pub fn from_slice(bytes: &[u8]) -> Result<Value, CoseError> {
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, 32)
        .map_err(|e| CoseError::Cbor(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CoseError::Cbor(format!(
            "{} byte(s) follow the data item",
            rest.len()
        )));
    }
    Ok(value)
}

/// The COSE `alg` of a key algorithm.
pub fn cose_alg(algorithm: KeyAlgorithm) -> i64 {
    match algorithm {
        KeyAlgorithm::Ed25519 => ALG_EDDSA,
        KeyAlgorithm::P256 => ALG_ES256,
    }
}

/// The serialized protected header `{1: alg, 4: h'kid'}`.
pub fn protected_header(algorithm: KeyAlgorithm, kid: &str) -> Result<Vec<u8>, CoseError> {
    if kid.is_empty() || kid.len() > MAX_KID_BYTES {
        return Err(structure(format!(
            "the kid must be 1 to {MAX_KID_BYTES} bytes"
        )));
    }
    to_vec(&Value::Map(vec![
        (HEADER_ALG.into(), cose_alg(algorithm).into()),
        (HEADER_KID.into(), Value::Bytes(kid.as_bytes().to_vec())),
    ]))
}

/// The bytes signed: `Sig_structure = ["Signature1", protected, h'', payload]`.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Result<Vec<u8>, CoseError> {
    to_vec(&Value::Array(vec![
        Value::Text("Signature1".into()),
        Value::Bytes(protected.to_vec()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))
}

/// The tagged COSE_Sign1 message.
pub fn sign1(protected: &[u8], payload: &[u8], signature: &[u8]) -> Result<Vec<u8>, CoseError> {
    to_vec(&Value::Tag(
        COSE_SIGN1_TAG,
        Box::new(Value::Array(vec![
            Value::Bytes(protected.to_vec()),
            Value::Map(Vec::new()),
            Value::Bytes(payload.to_vec()),
            Value::Bytes(signature.to_vec()),
        ])),
    ))
}

/// A parsed COSE_Sign1 message (signature not checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sign1 {
    /// The algorithm from the protected header.
    pub algorithm: KeyAlgorithm,
    /// The key id from the protected header (a verification method id).
    pub kid: String,
    /// The serialized protected header.
    pub protected: Vec<u8>,
    /// The payload.
    pub payload: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
}

fn as_label(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => i64::try_from(*i).ok(),
        _ => None,
    }
}

/// Parses a tagged COSE_Sign1 message.
pub fn parse(bytes: &[u8]) -> Result<Sign1, CoseError> {
    let Value::Tag(tag, inner) = from_slice(bytes)? else {
        return Err(structure("expected CBOR tag 18 (COSE_Sign1)"));
    };
    if tag != COSE_SIGN1_TAG {
        return Err(structure(format!(
            "CBOR tag {tag}, expected 18 (COSE_Sign1)"
        )));
    }
    let Value::Array(items) = *inner else {
        return Err(structure("COSE_Sign1 must be an array"));
    };
    let [protected, unprotected, payload, signature] =
        <[Value; 4]>::try_from(items).map_err(|items| {
            structure(format!(
                "COSE_Sign1 has {} elements, expected 4",
                items.len()
            ))
        })?;
    let Value::Bytes(protected) = protected else {
        return Err(structure("the protected header must be a byte string"));
    };
    match unprotected {
        Value::Map(m) if m.is_empty() => {}
        Value::Map(_) => {
            return Err(structure(
                "the unprotected header must be empty (alg and kid are protected)",
            ));
        }
        _ => return Err(structure("the unprotected header must be a map")),
    }
    let payload = match payload {
        Value::Bytes(p) => p,
        Value::Null => return Err(structure("detached payloads are not supported")),
        _ => return Err(structure("the payload must be a byte string")),
    };
    let Value::Bytes(signature) = signature else {
        return Err(structure("the signature must be a byte string"));
    };
    let Value::Map(header) = from_slice(&protected)? else {
        return Err(structure("the protected header must encode a map"));
    };
    let mut alg = None;
    let mut kid = None;
    for (label, value) in header {
        match as_label(&label) {
            Some(HEADER_ALG) if alg.is_none() => alg = Some(value),
            Some(HEADER_KID) if kid.is_none() => kid = Some(value),
            Some(HEADER_ALG) | Some(HEADER_KID) => {
                return Err(structure("a protected header parameter is repeated"));
            }
            _ => {
                return Err(structure(format!(
                    "protected header parameter {label:?} is not supported (only alg and kid)"
                )));
            }
        }
    }
    let algorithm = match alg.as_ref().and_then(as_label) {
        Some(ALG_EDDSA) => KeyAlgorithm::Ed25519,
        Some(ALG_ES256) => KeyAlgorithm::P256,
        Some(other) => return Err(CoseError::Algorithm(other)),
        None => return Err(structure("the protected header has no integer `alg` (1)")),
    };
    let kid = match kid {
        Some(Value::Bytes(k)) if !k.is_empty() && k.len() <= MAX_KID_BYTES => {
            String::from_utf8(k).map_err(|_| structure("the kid is not UTF-8"))?
        }
        Some(_) => {
            return Err(structure(format!(
                "the kid must be a byte string of 1 to {MAX_KID_BYTES} bytes"
            )));
        }
        None => return Err(structure("the protected header has no `kid` (4)")),
    };
    if signature.len() != 64 {
        return Err(structure(format!(
            "the {algorithm} signature is {} bytes, expected 64",
            signature.len()
        )));
    }
    Ok(Sign1 {
        algorithm,
        kid,
        protected,
        payload,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_parses() {
        let protected = protected_header(KeyAlgorithm::Ed25519, "did:example:a#k").unwrap();
        // {1: -8, 4: h'...'}
        assert_eq!(&protected[..3], &[0xa2, 0x01, 0x27]);
        let msg = sign1(&protected, b"\xa0", &[7u8; 64]).unwrap();
        assert_eq!(msg[0], 0xd2);
        let parsed = parse(&msg).unwrap();
        assert_eq!(parsed.kid, "did:example:a#k");
        assert_eq!(parsed.algorithm, KeyAlgorithm::Ed25519);
        assert_eq!(parsed.payload, b"\xa0");
        let tbs = sig_structure(&protected, b"\xa0").unwrap();
        assert_eq!(&tbs[..12], b"\x84\x6aSignature1");
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        let es = protected_header(KeyAlgorithm::P256, "k").unwrap();
        assert_eq!(
            parse(&sign1(&es, b"", &[0; 64]).unwrap())
                .unwrap()
                .algorithm,
            KeyAlgorithm::P256
        );
        assert!(matches!(
            parse(&sign1(&es, b"", &[0; 63]).unwrap()),
            Err(CoseError::Structure(_))
        ));
        let rsa = to_vec(&Value::Map(vec![
            (1.into(), (-257).into()),
            (4.into(), Value::Bytes(b"k".to_vec())),
        ]))
        .unwrap();
        assert_eq!(
            parse(&sign1(&rsa, b"", &[0; 64]).unwrap()),
            Err(CoseError::Algorithm(-257))
        );
        let crit = to_vec(&Value::Map(vec![
            (1.into(), (-8).into()),
            (2.into(), Value::Array(vec![])),
        ]))
        .unwrap();
        assert!(matches!(
            parse(&sign1(&crit, b"", &[0; 64]).unwrap()),
            Err(CoseError::Structure(_))
        ));
        let mut untagged = sign1(&es, b"", &[0; 64]).unwrap();
        untagged.remove(0);
        assert!(matches!(parse(&untagged), Err(CoseError::Structure(_))));
        let mut trailing = sign1(&es, b"", &[0; 64]).unwrap();
        trailing.push(0);
        assert!(matches!(parse(&trailing), Err(CoseError::Cbor(_))));
        assert!(matches!(parse(&[0xff]), Err(CoseError::Cbor(_))));
    }
}
