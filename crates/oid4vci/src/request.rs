//! The credential request (OpenID4VCI 1.0, with draft-13 tolerance) and the credential
//! response in both shapes.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Oid4vciError;
use crate::metadata::CredentialIssuerMetadata;

/// The largest credential request body parsed (bytes).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// The most key proofs one request may carry.
pub const MAX_PROOFS: usize = 10;

/// Which version of the protocol the wallet spoke: the response follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestShape {
    /// OpenID4VCI 1.0: `credential_configuration_id` and `proofs`.
    V1,
    /// Draft 13: `format` + `credential_definition`, or a singular `proof`.
    Draft13,
}

/// A parsed credential request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRequest {
    /// The requested configuration (a key of `credential_configurations_supported`).
    pub credential_configuration_id: String,
    /// The `jwt` key proofs (compact JWS), at least one.
    pub jwt_proofs: Vec<String>,
    /// The shape of the request.
    pub shape: RequestShape,
}

fn bad(msg: impl Into<String>) -> Oid4vciError {
    Oid4vciError::InvalidRequest(msg.into())
}

fn proof_error(msg: impl Into<String>) -> Oid4vciError {
    Oid4vciError::InvalidProof(msg.into())
}

fn jwt_string(v: &Value) -> Result<String, Oid4vciError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| proof_error("a `jwt` proof is not a string"))
}

/// Parses a credential request body against the issuer's metadata.
pub fn parse_credential_request(
    body: &[u8],
    metadata: &CredentialIssuerMetadata,
) -> Result<CredentialRequest, Oid4vciError> {
    if body.len() > MAX_REQUEST_BYTES {
        return Err(bad(format!(
            "credential request of {} bytes is larger than the limit of {MAX_REQUEST_BYTES}",
            body.len()
        )));
    }
    // The strict reader: a repeated member name is refused, with where it is.
    let obj: Map<String, Value> = match civitas_jsonld::json::parse(body) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err(bad("credential request is not a JSON object")),
        Err(e) => return Err(bad(format!("credential request is not valid JSON: {e}"))),
    };
    let mut shape = RequestShape::V1;
    let jwt_proofs = match (obj.get("proof"), obj.get("proofs")) {
        (Some(_), Some(_)) => return Err(bad("credential request has both `proof` and `proofs`")),
        (None, None) => return Err(proof_error("credential request has no key proof")),
        (Some(proof), None) => {
            shape = RequestShape::Draft13;
            let proof = proof
                .as_object()
                .ok_or_else(|| bad("`proof` is not an object"))?;
            if proof.get("proof_type").and_then(Value::as_str) != Some("jwt") {
                return Err(proof_error("`proof.proof_type` must be `jwt`"));
            }
            vec![jwt_string(
                proof
                    .get("jwt")
                    .ok_or_else(|| proof_error("`proof.jwt` is missing"))?,
            )?]
        }
        (None, Some(proofs)) => {
            let proofs = proofs
                .as_object()
                .ok_or_else(|| bad("`proofs` is not an object"))?;
            if proofs.len() != 1 {
                return Err(bad("`proofs` must hold exactly one proof type"));
            }
            let list = proofs
                .get("jwt")
                .ok_or_else(|| proof_error("only the `jwt` proof type is supported"))?
                .as_array()
                .ok_or_else(|| bad("`proofs.jwt` is not an array"))?;
            if list.is_empty() {
                return Err(proof_error("`proofs.jwt` is empty"));
            }
            if list.len() > MAX_PROOFS {
                return Err(bad(format!("more than {MAX_PROOFS} proofs")));
            }
            list.iter().map(jwt_string).collect::<Result<_, _>>()?
        }
    };
    let configurations = &metadata.credential_configurations_supported;
    let credential_configuration_id = if let Some(id) = obj.get("credential_configuration_id") {
        if obj.contains_key("format") {
            return Err(bad(
                "credential request has both `credential_configuration_id` and `format`",
            ));
        }
        let id = id
            .as_str()
            .ok_or_else(|| bad("`credential_configuration_id` is not a string"))?;
        if !configurations.contains_key(id) {
            return Err(Oid4vciError::UnknownCredentialConfiguration(format!(
                "unknown credential configuration `{id}`"
            )));
        }
        id.to_owned()
    } else if let Some(format) = obj.get("format") {
        shape = RequestShape::Draft13;
        let format = format
            .as_str()
            .ok_or_else(|| bad("`format` is not a string"))?;
        let types: Vec<&str> = obj
            .get("credential_definition")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_array)
            .ok_or_else(|| bad("`credential_definition.type` is missing"))?
            .iter()
            .map(|t| t.as_str().ok_or_else(|| bad("a `type` is not a string")))
            .collect::<Result<_, _>>()?;
        let mut wanted = types.clone();
        wanted.sort_unstable();
        configurations
            .iter()
            .find(|(_, c)| {
                let mut have: Vec<&str> = c
                    .credential_definition
                    .iter()
                    .flat_map(|d| d.types.iter().map(String::as_str))
                    .collect();
                have.sort_unstable();
                c.format == format && have == wanted
            })
            .map(|(id, _)| id.clone())
            .ok_or_else(|| {
                Oid4vciError::UnknownCredentialConfiguration(format!(
                    "no `{format}` configuration of types {types:?}"
                ))
            })?
    } else if obj.contains_key("credential_identifier") {
        return Err(bad(
            "`credential_identifier` is not supported: use `credential_configuration_id`",
        ));
    } else {
        return Err(bad(
            "credential request has no `credential_configuration_id`",
        ));
    };
    Ok(CredentialRequest {
        credential_configuration_id,
        jwt_proofs,
        shape,
    })
}

/// One issued credential of a 1.0 response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuedCredential {
    /// The credential: a JSON object (`ldp_vc`) or a string (`jwt_vc_json`).
    pub credential: Value,
}

/// The credential response in the shape the wallet asked in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CredentialResponse {
    /// OpenID4VCI 1.0: `{"credentials": [{"credential": …}]}`.
    V1 {
        /// The credentials, one per proof.
        credentials: Vec<IssuedCredential>,
    },
    /// Draft 13: `{"credential": …, "c_nonce": …, "c_nonce_expires_in": …}`.
    Draft13 {
        /// The credential.
        credential: Value,
        /// A fresh nonce for the next proof.
        c_nonce: String,
        /// Seconds the nonce lives.
        c_nonce_expires_in: i64,
    },
}

impl CredentialResponse {
    /// The response for `shape`: for draft 13 only the first credential is returned, with a
    /// fresh nonce.
    pub fn new(
        shape: RequestShape,
        mut credentials: Vec<Value>,
        c_nonce: String,
        c_nonce_expires_in: i64,
    ) -> Result<Self, Oid4vciError> {
        match shape {
            RequestShape::V1 => Ok(Self::V1 {
                credentials: credentials
                    .into_iter()
                    .map(|credential| IssuedCredential { credential })
                    .collect(),
            }),
            RequestShape::Draft13 => {
                if credentials.is_empty() {
                    return Err(Oid4vciError::ServerError("no credential issued".into()));
                }
                Ok(Self::Draft13 {
                    credential: credentials.swap_remove(0),
                    c_nonce,
                    c_nonce_expires_in,
                })
            }
        }
    }

    /// The response as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{DocumentType, issuer_metadata};
    use serde_json::json;

    fn meta() -> CredentialIssuerMetadata {
        issuer_metadata(
            "https://issuer.example",
            &[DocumentType::new(
                "BirthCertificateCredential",
                "Birth certificate",
                "Acte de naissance",
            )],
            &[],
        )
    }

    fn parse(v: Value) -> Result<CredentialRequest, Oid4vciError> {
        parse_credential_request(v.to_string().as_bytes(), &meta())
    }

    #[test]
    fn v1_and_draft13() {
        let r = parse(json!({"credential_configuration_id": "BirthCertificateCredential_ldp_vc", "proofs": {"jwt": ["a.b.c"]}})).unwrap();
        assert_eq!(r.shape, RequestShape::V1);
        assert_eq!(r.jwt_proofs, vec!["a.b.c"]);
        let r = parse(json!({"format": "jwt_vc_json", "credential_definition": {"type": ["VerifiableCredential", "BirthCertificateCredential"]}, "proof": {"proof_type": "jwt", "jwt": "x.y.z"}})).unwrap();
        assert_eq!(r.shape, RequestShape::Draft13);
        assert_eq!(
            r.credential_configuration_id,
            "BirthCertificateCredential_jwt_vc_json"
        );
    }

    #[test]
    fn refusals() {
        let code = |v| parse(v).unwrap_err().code();
        assert_eq!(
            code(
                json!({"credential_configuration_id": "BirthCertificateCredential_ldp_vc", "proofs": {"jwt": ["a"]}, "proof": {"proof_type": "jwt", "jwt": "a"}})
            ),
            "invalid_request"
        );
        assert_eq!(
            code(json!({"credential_configuration_id": "Nope", "proofs": {"jwt": ["a"]}})),
            "unknown_credential_configuration"
        );
        assert_eq!(
            code(
                json!({"format": "ldp_vc", "credential_definition": {"type": ["X"]}, "proofs": {"jwt": ["a"]}})
            ),
            "unknown_credential_configuration"
        );
        assert_eq!(
            code(json!({"credential_configuration_id": "BirthCertificateCredential_ldp_vc"})),
            "invalid_proof"
        );
        assert_eq!(code(json!({"proofs": {"jwt": ["a"]}})), "invalid_request");
        assert_eq!(code(json!([1])), "invalid_request");
        assert_eq!(
            parse_credential_request(b"{", &meta()).unwrap_err().code(),
            "invalid_request"
        );
    }

    #[test]
    fn responses() {
        let r =
            CredentialResponse::new(RequestShape::V1, vec![json!("jwt")], "n".into(), 300).unwrap();
        assert_eq!(r.to_json(), json!({"credentials": [{"credential": "jwt"}]}));
        let r = CredentialResponse::new(
            RequestShape::Draft13,
            vec![json!({"a": 1})],
            "n".into(),
            300,
        )
        .unwrap();
        assert_eq!(
            r.to_json(),
            json!({"credential": {"a": 1}, "c_nonce": "n", "c_nonce_expires_in": 300})
        );
    }
}
