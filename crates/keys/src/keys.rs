//! Key pairs and public keys: Ed25519 (the default) and P-256, with import and export as JWK and
//! Multikey. Secret material is zeroized when dropped and only leaves the key pair inside
//! [`Zeroizing`] buffers.

use ed25519_dalek::Signer as _;
use ed25519_dalek::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::encoding::{self, DecodeError, multicodec};

/// The signature algorithms civitas signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    /// Ed25519 (EdDSA over Curve25519). The default.
    #[default]
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256.
    #[serde(rename = "p256")]
    P256,
}

impl KeyAlgorithm {
    /// The JOSE `alg` for this algorithm.
    pub fn jose_alg(self) -> &'static str {
        match self {
            Self::Ed25519 => "EdDSA",
            Self::P256 => "ES256",
        }
    }

    /// The Data Integrity cryptosuite (RDFC-1.0 canonicalization) for this algorithm.
    pub fn cryptosuite(self) -> &'static str {
        match self {
            Self::Ed25519 => "eddsa-rdfc-2022",
            Self::P256 => "ecdsa-rdfc-2019",
        }
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Ed25519 => "Ed25519",
            Self::P256 => "P-256",
        })
    }
}

impl std::str::FromStr for KeyAlgorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" | "eddsa" => Ok(Self::Ed25519),
            "p256" | "p-256" | "es256" | "secp256r1" => Ok(Self::P256),
            _ => Err(KeyError::UnsupportedAlgorithm(s.to_owned())),
        }
    }
}

/// Why a key could not be imported, or a signature not made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// An algorithm civitas does not support.
    #[error("unsupported key algorithm `{0}` (supported: Ed25519, P-256)")]
    UnsupportedAlgorithm(String),
    /// A JWK that is not valid JSON or lacks a member.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// A Multikey value with an unknown multicodec prefix.
    #[error("unsupported multicodec prefix {0:#04x?} in Multikey value")]
    UnknownMulticodec(Vec<u8>),
    /// Key bytes of the wrong length or not on the curve.
    #[error("invalid {algorithm} key material: {reason}")]
    InvalidKeyMaterial {
        /// The key algorithm.
        algorithm: KeyAlgorithm,
        /// What is wrong.
        reason: String,
    },
    /// A multibase or base64url decoding error.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The signature has the wrong length or encoding.
    #[error("malformed {algorithm} signature: expected {expected} bytes, got {actual}")]
    MalformedSignature {
        /// The key algorithm.
        algorithm: KeyAlgorithm,
        /// The expected length.
        expected: usize,
        /// The actual length.
        actual: usize,
    },
}

/// A public key.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 public key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// A P-256 public key.
    P256(p256::PublicKey),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_multikey())
    }
}

impl PublicKey {
    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::Ed25519(_) => KeyAlgorithm::Ed25519,
            Self::P256(_) => KeyAlgorithm::P256,
        }
    }

    /// The raw public key bytes: 32 bytes for Ed25519, the 33-byte compressed point for P-256.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.to_bytes().to_vec(),
            Self::P256(k) => k.to_encoded_point(true).as_bytes().to_vec(),
        }
    }

    /// Parses raw public key bytes (see [`PublicKey::to_bytes`]; P-256 also takes 65-byte points).
    pub fn from_bytes(algorithm: KeyAlgorithm, bytes: &[u8]) -> Result<Self, KeyError> {
        let invalid = |reason: String| KeyError::InvalidKeyMaterial { algorithm, reason };
        match algorithm {
            KeyAlgorithm::Ed25519 => {
                let arr: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| invalid(format!("expected 32 bytes, got {}", bytes.len())))?;
                ed25519_dalek::VerifyingKey::from_bytes(&arr)
                    .map(Self::Ed25519)
                    .map_err(|e| invalid(e.to_string()))
            }
            KeyAlgorithm::P256 => p256::PublicKey::from_sec1_bytes(bytes)
                .map(Self::P256)
                .map_err(|_| invalid("not a point on the P-256 curve".into())),
        }
    }

    /// The Multikey `publicKeyMultibase` value (`z6Mk…` for Ed25519, `zDn…` for P-256).
    pub fn to_multikey(&self) -> String {
        let prefix = match self {
            Self::Ed25519(_) => multicodec::ED25519_PUB,
            Self::P256(_) => multicodec::P256_PUB,
        };
        let mut bytes = prefix.to_vec();
        bytes.extend(self.to_bytes());
        encoding::multibase_base58(&bytes)
    }

    /// Parses a Multikey `publicKeyMultibase` value.
    pub fn from_multikey(text: &str) -> Result<Self, KeyError> {
        // Decoding a key costs a point decompression (about 10 µs for Ed25519), and a verifier
        // sees the same few issuer keys over and over: remember the last ones, per thread.
        thread_local! {
            static PARSED: std::cell::RefCell<std::collections::HashMap<String, PublicKey>> =
                std::cell::RefCell::new(std::collections::HashMap::new());
        }
        if let Some(key) = PARSED.with(|m| m.borrow().get(text).cloned()) {
            return Ok(key);
        }
        let key = Self::decode_multikey(text)?;
        PARSED.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= 256 {
                m.clear();
            }
            m.insert(text.to_owned(), key.clone());
        });
        Ok(key)
    }

    fn decode_multikey(text: &str) -> Result<Self, KeyError> {
        let bytes = encoding::decode_multibase_base58(text)?;
        match bytes.get(..2) {
            Some(p) if p == multicodec::ED25519_PUB => {
                Self::from_bytes(KeyAlgorithm::Ed25519, &bytes[2..])
            }
            Some(p) if p == multicodec::P256_PUB => {
                Self::from_bytes(KeyAlgorithm::P256, &bytes[2..])
            }
            _ => Err(KeyError::UnknownMulticodec(
                bytes.iter().take(2).copied().collect(),
            )),
        }
    }

    /// The public JWK.
    pub fn to_jwk(&self) -> Jwk {
        match self {
            Self::Ed25519(k) => Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: encoding::base64url(k.as_bytes()),
                y: None,
                d: None,
                kid: None,
            },
            Self::P256(k) => {
                let point = k.to_encoded_point(false);
                Jwk {
                    kty: "EC".into(),
                    crv: "P-256".into(),
                    x: point
                        .x()
                        .map(|x| encoding::base64url(x))
                        .unwrap_or_default(),
                    y: point.y().map(|y| encoding::base64url(y)),
                    d: None,
                    kid: None,
                }
            }
        }
    }

    /// Parses a public (or private: the secret is ignored) JWK.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        match (jwk.kty.as_str(), jwk.crv.as_str()) {
            ("OKP", "Ed25519") => {
                Self::from_bytes(KeyAlgorithm::Ed25519, &encoding::decode_base64url(&jwk.x)?)
            }
            ("EC", "P-256") => {
                let y = jwk
                    .y
                    .as_deref()
                    .ok_or_else(|| KeyError::InvalidJwk("P-256 JWK without `y`".into()))?;
                let mut point = vec![0x04];
                point.extend(fixed32(&encoding::decode_base64url(&jwk.x)?, "x")?);
                point.extend(fixed32(&encoding::decode_base64url(y)?, "y")?);
                Self::from_bytes(KeyAlgorithm::P256, &point)
            }
            (kty, crv) => Err(KeyError::UnsupportedAlgorithm(format!("{kty}/{crv}"))),
        }
    }

    /// Checks `signature` over `message`. P-256 signatures are the 64-byte `r‖s` form and the
    /// message is hashed with SHA-256 by the ECDSA operation.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        let malformed = |algorithm| KeyError::MalformedSignature {
            algorithm,
            expected: 64,
            actual: signature.len(),
        };
        match self {
            Self::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| malformed(KeyAlgorithm::Ed25519))?;
                k.verify(message, &sig).map_err(|_| KeyError::BadSignature)
            }
            Self::P256(k) => {
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| malformed(KeyAlgorithm::P256))?;
                p256::ecdsa::VerifyingKey::from(k)
                    .verify(message, &sig)
                    .map_err(|_| KeyError::BadSignature)
            }
        }
    }
}

fn fixed32(bytes: &[u8], member: &str) -> Result<[u8; 32], KeyError> {
    bytes.try_into().map_err(|_| {
        KeyError::InvalidJwk(format!("`{member}` must be 32 bytes, got {}", bytes.len()))
    })
}

/// A JSON Web Key (RFC 7517) for the two key types civitas supports.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `OKP` or `EC`.
    pub kty: String,
    /// Curve: `Ed25519` or `P-256`.
    pub crv: String,
    /// Public key (Ed25519) or x coordinate (P-256), base64url.
    pub x: String,
    /// y coordinate (P-256), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Private key, base64url. Present only in exported private JWKs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    /// Key identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl std::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("crv", &self.crv)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("d", &self.d.as_ref().map(|_| "<redacted>"))
            .field("kid", &self.kid)
            .finish()
    }
}

impl Drop for Jwk {
    fn drop(&mut self) {
        if let Some(d) = self.d.as_mut() {
            zeroize::Zeroize::zeroize(d);
        }
    }
}

enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// A key pair. The secret half is zeroized on drop and never printed by `Debug`.
pub struct KeyPair {
    secret: Secret,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyPair({}, secret redacted)",
            self.public_key().to_multikey()
        )
    }
}

impl Clone for KeyPair {
    fn clone(&self) -> Self {
        Self {
            secret: match &self.secret {
                Secret::Ed25519(k) => Secret::Ed25519(k.clone()),
                Secret::P256(k) => Secret::P256(k.clone()),
            },
        }
    }
}

impl KeyPair {
    /// Generates a new key pair from the operating system's random number generator.
    pub fn generate(algorithm: KeyAlgorithm) -> Self {
        let mut rng = rand::rngs::OsRng;
        let secret = match algorithm {
            KeyAlgorithm::Ed25519 => Secret::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
            KeyAlgorithm::P256 => Secret::P256(p256::ecdsa::SigningKey::random(&mut rng)),
        };
        Self { secret }
    }

    /// Builds a key pair from 32 secret bytes (the Ed25519 seed, or the P-256 scalar).
    pub fn from_secret_bytes(algorithm: KeyAlgorithm, bytes: &[u8]) -> Result<Self, KeyError> {
        let invalid = |reason: String| KeyError::InvalidKeyMaterial { algorithm, reason };
        let arr: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes
                .try_into()
                .map_err(|_| invalid(format!("expected 32 secret bytes, got {}", bytes.len())))?,
        );
        let secret = match algorithm {
            KeyAlgorithm::Ed25519 => Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(&arr)),
            KeyAlgorithm::P256 => Secret::P256(
                p256::ecdsa::SigningKey::from_bytes(&(*arr).into())
                    .map_err(|_| invalid("scalar out of range".into()))?,
            ),
        };
        Ok(Self { secret })
    }

    /// The 32 secret bytes (Ed25519 seed or P-256 scalar).
    pub fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match &self.secret {
            Secret::Ed25519(k) => k.to_bytes().to_vec(),
            Secret::P256(k) => k.to_bytes().to_vec(),
        })
    }

    /// The key algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.secret {
            Secret::Ed25519(_) => KeyAlgorithm::Ed25519,
            Secret::P256(_) => KeyAlgorithm::P256,
        }
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        match &self.secret {
            Secret::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            Secret::P256(k) => PublicKey::P256(p256::PublicKey::from(k.verifying_key())),
        }
    }

    /// Signs `message`: Ed25519, or deterministic ECDSA P-256 with SHA-256 (64-byte `r‖s`).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.secret {
            Secret::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Secret::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
        }
    }

    /// The Multikey `secretKeyMultibase` value.
    pub fn to_secret_multikey(&self) -> Zeroizing<String> {
        let prefix = match self.secret {
            Secret::Ed25519(_) => multicodec::ED25519_PRIV,
            Secret::P256(_) => multicodec::P256_PRIV,
        };
        let mut bytes = Zeroizing::new(prefix.to_vec());
        bytes.extend(self.secret_bytes().iter());
        Zeroizing::new(encoding::multibase_base58(&bytes))
    }

    /// Parses a Multikey `secretKeyMultibase` value.
    pub fn from_secret_multikey(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(encoding::decode_multibase_base58(text)?);
        match bytes.get(..2) {
            Some(p) if p == multicodec::ED25519_PRIV => {
                Self::from_secret_bytes(KeyAlgorithm::Ed25519, &bytes[2..])
            }
            Some(p) if p == multicodec::P256_PRIV => {
                Self::from_secret_bytes(KeyAlgorithm::P256, &bytes[2..])
            }
            _ => Err(KeyError::UnknownMulticodec(
                bytes.iter().take(2).copied().collect(),
            )),
        }
    }

    /// The private JWK (with `d`). Handle with care: it is the secret key.
    pub fn to_private_jwk(&self) -> Jwk {
        let mut jwk = self.public_key().to_jwk();
        jwk.d = Some(encoding::base64url(&self.secret_bytes()));
        jwk
    }

    /// Parses a private JWK and checks that its public members match its secret.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        let d = jwk
            .d
            .as_deref()
            .ok_or_else(|| KeyError::InvalidJwk("private JWK without `d`".into()))?;
        let public = PublicKey::from_jwk(jwk)?;
        let secret = Zeroizing::new(encoding::decode_base64url(d)?);
        let pair = Self::from_secret_bytes(public.algorithm(), &secret)?;
        if pair.public_key() != public {
            return Err(KeyError::InvalidJwk(
                "the public members do not match the private key".into(),
            ));
        }
        Ok(pair)
    }

    /// Parses a private JWK from JSON text.
    pub fn from_jwk_json(text: &str) -> Result<Self, KeyError> {
        let jwk: Jwk =
            civitas_jsonld::json::from_slice(text.as_bytes(), civitas_jsonld::json::MAX_JSON_BYTES)
                .map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
        Self::from_jwk(&jwk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3c_vector_key_pair_round_trips() {
        // vc-di-eddsa TestVectors/keyPair.json
        let pair =
            KeyPair::from_secret_multikey("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
                .unwrap();
        assert_eq!(
            pair.public_key().to_multikey(),
            "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        );
        assert_eq!(
            pair.to_secret_multikey().as_str(),
            "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
        );
    }

    #[test]
    fn both_algorithms_sign_verify_and_round_trip() {
        for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let pair = KeyPair::generate(alg);
            let sig = pair.sign(b"hello");
            assert_eq!(sig.len(), 64);
            let public = pair.public_key();
            public.verify(b"hello", &sig).unwrap();
            assert_eq!(public.verify(b"hellO", &sig), Err(KeyError::BadSignature));
            assert_eq!(
                PublicKey::from_multikey(&public.to_multikey()).unwrap(),
                public
            );
            assert_eq!(PublicKey::from_jwk(&public.to_jwk()).unwrap(), public);
            let again = KeyPair::from_jwk(&pair.to_private_jwk()).unwrap();
            assert_eq!(again.public_key(), public);
            let again = KeyPair::from_secret_multikey(&pair.to_secret_multikey()).unwrap();
            assert_eq!(again.public_key(), public);
        }
        assert!(
            KeyPair::generate(KeyAlgorithm::P256)
                .public_key()
                .to_multikey()
                .starts_with("zDn")
        );
    }

    #[test]
    fn bad_keys_are_typed_errors() {
        assert!(matches!(
            PublicKey::from_multikey("z6Mk"),
            Err(KeyError::InvalidKeyMaterial { .. }) | Err(KeyError::UnknownMulticodec(_))
        ));
        assert!(matches!(
            PublicKey::from_multikey("zQ3s"),
            Err(KeyError::UnknownMulticodec(_))
        ));
        assert!(matches!(
            KeyPair::from_jwk_json("{\"kty\":\"OKP\"}"),
            Err(KeyError::InvalidJwk(_))
        ));
        let mut jwk = KeyPair::generate(KeyAlgorithm::Ed25519).to_private_jwk();
        jwk.x = KeyPair::generate(KeyAlgorithm::Ed25519)
            .public_key()
            .to_jwk()
            .x
            .clone();
        assert!(matches!(
            KeyPair::from_jwk(&jwk),
            Err(KeyError::InvalidJwk(_))
        ));
        let pk = KeyPair::generate(KeyAlgorithm::Ed25519).public_key();
        assert!(matches!(
            pk.verify(b"x", &[0u8; 10]),
            Err(KeyError::MalformedSignature { actual: 10, .. })
        ));
    }

    #[test]
    fn debug_never_prints_secrets() {
        let pair = KeyPair::generate(KeyAlgorithm::Ed25519);
        let jwk = pair.to_private_jwk();
        let d = jwk.d.clone().unwrap();
        assert!(!format!("{pair:?}").contains(&d));
        assert!(!format!("{jwk:?}").contains(&d));
    }
}
