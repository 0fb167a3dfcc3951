//! Credential Issuer Metadata and OAuth Authorization Server Metadata, and their builder.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The W3C VC Data Model 2.0 context.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The credential format of Data Integrity credentials.
pub const FORMAT_LDP_VC: &str = "ldp_vc";
/// The credential format of JOSE-secured credentials.
pub const FORMAT_JWT_VC_JSON: &str = "jwt_vc_json";
/// The credential format of SD-JWT VCs (selective disclosure, IETF SD-JWT VC).
pub const FORMAT_DC_SD_JWT: &str = "dc+sd-jwt";
/// The formats an issuer offers each document type in, in this order.
pub const FORMATS: [&str; 3] = [FORMAT_LDP_VC, FORMAT_JWT_VC_JSON, FORMAT_DC_SD_JWT];
/// The JOSE algorithms a key proof may be signed with.
pub const PROOF_SIGNING_ALGS: [&str; 2] = ["EdDSA", "ES256"];

/// Credential Issuer Metadata (OpenID4VCI 1.0 §12.2), served at
/// `/.well-known/openid-credential-issuer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialIssuerMetadata {
    /// The Credential Issuer Identifier (an https URL).
    pub credential_issuer: String,
    /// The authorization servers; absent when the issuer is its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    /// The Credential Endpoint.
    pub credential_endpoint: String,
    /// The Nonce Endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_endpoint: Option<String>,
    /// The display of the issuer, one per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<Display>,
    /// The credential configurations, by id.
    pub credential_configurations_supported: BTreeMap<String, CredentialConfiguration>,
}

/// One credential configuration the issuer offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialConfiguration {
    /// The format: `ldp_vc`, `jwt_vc_json` or `dc+sd-jwt`.
    pub format: String,
    /// The credential's types (and, for `ldp_vc`, contexts); absent for `dc+sd-jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_definition: Option<CredentialDefinition>,
    /// The SD-JWT VC type (`dc+sd-jwt` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// How the credential is bound to its holder: `did:key`, `jwk`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cryptographic_binding_methods_supported: Vec<String>,
    /// The algorithms or cryptosuites the issuer signs this credential with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_signing_alg_values_supported: Vec<String>,
    /// The key proof types and their algorithms.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proof_types_supported: BTreeMap<String, ProofType>,
    /// The display and claims of the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_metadata: Option<CredentialMetadata>,
}

/// `credential_definition`: the `type` and `@context` of the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialDefinition {
    /// The contexts (for `ldp_vc`).
    #[serde(rename = "@context", default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    /// The types, `VerifiableCredential` first.
    #[serde(rename = "type")]
    pub types: Vec<String>,
}

/// A key proof type's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofType {
    /// The algorithms a proof of this type may be signed with.
    pub proof_signing_alg_values_supported: Vec<String>,
}

/// `credential_metadata`: display and claims of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialMetadata {
    /// The display of the credential, one per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<Display>,
    /// The claims, with their labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
}

/// A display entry: a name in a locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Display {
    /// The name.
    pub name: String,
    /// The locale (BCP 47), e.g. `en`, `fr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// A claim description: its path in the credential and its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The claim path (`["credentialSubject", "givenName"]`).
    pub path: Vec<String>,
    /// The labels, one per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<Display>,
}

/// OAuth 2.0 Authorization Server Metadata (RFC 8414) with the OpenID4VCI member, served at
/// `/.well-known/oauth-authorization-server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    /// The authorization server's issuer identifier.
    pub issuer: String,
    /// The Token Endpoint.
    pub token_endpoint: String,
    /// The grant types: the pre-authorized code grant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    /// Whether the token endpoint accepts a pre-authorized code without client authentication.
    #[serde(
        rename = "pre-authorized_grant_anonymous_access_supported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_grant_anonymous_access_supported: Option<bool>,
}

/// A document type the issuer offers: its credential type name and its names in English and
/// French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentType {
    /// The credential type (`BirthCertificateCredential`).
    pub type_name: String,
    /// The English name.
    pub name_en: String,
    /// The French name.
    pub name_fr: String,
    /// The claims shown by wallets: (member of `credentialSubject`, English label, French
    /// label). Empty means the claims common to civil-registry documents (given name, family
    /// name, date of birth).
    pub claims: Vec<(String, String, String)>,
    /// The SD-JWT VC type of its `dc+sd-jwt` configuration; `None`: no such configuration.
    pub vct: Option<String>,
}

impl DocumentType {
    /// A document type from its three names.
    pub fn new(type_name: &str, name_en: &str, name_fr: &str) -> Self {
        Self {
            type_name: type_name.to_owned(),
            name_en: name_en.to_owned(),
            name_fr: name_fr.to_owned(),
            claims: Vec::new(),
            vct: None,
        }
    }

    /// Also offers the type as an SD-JWT VC of type `vct`.
    pub fn with_vct(mut self, vct: &str) -> Self {
        self.vct = Some(vct.to_owned());
        self
    }

    /// Adds a claim: its member of `credentialSubject` and its English and French labels.
    pub fn with_claim(mut self, member: &str, label_en: &str, label_fr: &str) -> Self {
        self.claims
            .push((member.to_owned(), label_en.to_owned(), label_fr.to_owned()));
        self
    }
}

/// The configuration id of a document type in a format: `BirthCertificateCredential_ldp_vc`.
pub fn configuration_id(type_name: &str, format: &str) -> String {
    format!("{type_name}_{format}")
}

fn labels(en: &str, fr: &str) -> Vec<Display> {
    vec![
        Display {
            name: en.to_owned(),
            locale: Some("en".into()),
        },
        Display {
            name: fr.to_owned(),
            locale: Some("fr".into()),
        },
    ]
}

const COMMON_CLAIMS: [(&str, &str, &str); 3] = [
    ("givenName", "Given name", "Prénom"),
    ("familyName", "Family name", "Nom de famille"),
    ("birthDate", "Date of birth", "Date de naissance"),
];

/// The claims of `doc` as a configuration of `format` lists them: members of
/// `credentialSubject`, or top-level claims of an SD-JWT VC.
fn claims_of(doc: &DocumentType, format: &str) -> Vec<Claim> {
    let claim = |member: &str, en: &str, fr: &str| Claim {
        path: if format == FORMAT_DC_SD_JWT {
            vec![member.into()]
        } else {
            vec!["credentialSubject".into(), member.into()]
        },
        display: labels(en, fr),
    };
    if doc.claims.is_empty() {
        COMMON_CLAIMS
            .iter()
            .map(|(m, en, fr)| claim(m, en, fr))
            .collect()
    } else {
        doc.claims
            .iter()
            .map(|(m, en, fr)| claim(m, en, fr))
            .collect()
    }
}

/// The Credential Issuer Metadata of an issuer at `base_url` (its identifier; a trailing `/` is
/// dropped) offering `types`: one configuration per type and format (`ldp_vc`, `jwt_vc_json`,
/// and `dc+sd-jwt` for the types that have a `vct`), with `contexts` as the `@context` of the
/// `ldp_vc` configurations.
pub fn issuer_metadata(
    base_url: &str,
    types: &[DocumentType],
    contexts: &[&str],
) -> CredentialIssuerMetadata {
    let base = base_url.trim_end_matches('/');
    let mut configurations = BTreeMap::new();
    for doc in types {
        for format in FORMATS {
            if format == FORMAT_DC_SD_JWT && doc.vct.is_none() {
                continue;
            }
            let signing = if format == FORMAT_LDP_VC {
                vec!["eddsa-rdfc-2022".into(), "ecdsa-rdfc-2019".into()]
            } else {
                PROOF_SIGNING_ALGS.iter().map(|a| (*a).to_owned()).collect()
            };
            let context = if format == FORMAT_LDP_VC {
                std::iter::once(VC_V2_CONTEXT)
                    .chain(contexts.iter().copied())
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            };
            configurations.insert(
                configuration_id(&doc.type_name, format),
                CredentialConfiguration {
                    format: format.to_owned(),
                    credential_definition: (format != FORMAT_DC_SD_JWT).then(|| {
                        CredentialDefinition {
                            context,
                            types: vec!["VerifiableCredential".into(), doc.type_name.clone()],
                        }
                    }),
                    vct: doc.vct.clone().filter(|_| format == FORMAT_DC_SD_JWT),
                    cryptographic_binding_methods_supported: vec!["did:key".into(), "jwk".into()],
                    credential_signing_alg_values_supported: signing,
                    proof_types_supported: BTreeMap::from([(
                        "jwt".to_owned(),
                        ProofType {
                            proof_signing_alg_values_supported: PROOF_SIGNING_ALGS
                                .iter()
                                .map(|a| (*a).to_owned())
                                .collect(),
                        },
                    )]),
                    credential_metadata: Some(CredentialMetadata {
                        display: labels(&doc.name_en, &doc.name_fr),
                        claims: claims_of(doc, format),
                    }),
                },
            );
        }
    }
    CredentialIssuerMetadata {
        credential_issuer: base.to_owned(),
        authorization_servers: Vec::new(),
        credential_endpoint: format!("{base}/oid4vci/credential"),
        nonce_endpoint: Some(format!("{base}/oid4vci/nonce")),
        display: Vec::new(),
        credential_configurations_supported: configurations,
    }
}

/// The Authorization Server Metadata of an issuer that is its own authorization server.
pub fn authorization_server_metadata(base_url: &str) -> AuthorizationServerMetadata {
    let base = base_url.trim_end_matches('/');
    AuthorizationServerMetadata {
        issuer: base.to_owned(),
        token_endpoint: format!("{base}/oid4vci/token"),
        grant_types_supported: vec![crate::offer::PRE_AUTHORIZED_GRANT.to_owned()],
        pre_authorized_grant_anonymous_access_supported: Some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_configuration_per_type_and_format() {
        let m = issuer_metadata(
            "https://issuer.example/",
            &[
                DocumentType::new(
                    "BirthCertificateCredential",
                    "Birth certificate",
                    "Acte de naissance",
                ),
                DocumentType::new(
                    "MarriageCertificateCredential",
                    "Marriage certificate",
                    "Acte de mariage",
                ),
            ],
            &["https://civitas.example/ns/v1"],
        );
        assert_eq!(m.credential_issuer, "https://issuer.example");
        assert_eq!(m.credential_configurations_supported.len(), 4);
        let v = serde_json::to_value(&m).unwrap();
        let c = &v["credential_configurations_supported"]["BirthCertificateCredential_ldp_vc"];
        assert_eq!(c["format"], "ldp_vc");
        assert_eq!(
            c["credential_definition"]["type"][1],
            "BirthCertificateCredential"
        );
        assert_eq!(c["credential_definition"]["@context"][0], VC_V2_CONTEXT);
        assert_eq!(
            c["cryptographic_binding_methods_supported"],
            serde_json::json!(["did:key", "jwk"])
        );
        assert_eq!(
            c["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
            serde_json::json!(["EdDSA", "ES256"])
        );
        assert_eq!(c["credential_metadata"]["display"][1]["locale"], "fr");
        assert_eq!(
            c["credential_metadata"]["display"][1]["name"],
            "Acte de naissance"
        );
        let j =
            &v["credential_configurations_supported"]["MarriageCertificateCredential_jwt_vc_json"];
        assert_eq!(j["format"], "jwt_vc_json");
        assert!(j["credential_definition"].get("@context").is_none());
        let back: CredentialIssuerMetadata = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn claims_and_their_labels() {
        let doc = DocumentType::new(
            "MarriageCertificateCredential",
            "Marriage certificate",
            "Acte de mariage",
        )
        .with_claim("marriageDate", "Date of marriage", "Date du mariage");
        let m = issuer_metadata("https://issuer.example", &[doc], &[]);
        let c = &m.credential_configurations_supported["MarriageCertificateCredential_ldp_vc"];
        let claims = &c.credential_metadata.as_ref().unwrap().claims;
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].path, ["credentialSubject", "marriageDate"]);
        assert_eq!(claims[0].display[1].name, "Date du mariage");
        let m = issuer_metadata(
            "https://issuer.example",
            &[DocumentType::new("X", "X", "X")],
            &[],
        );
        let c = &m.credential_configurations_supported["X_jwt_vc_json"];
        let claims = &c.credential_metadata.as_ref().unwrap().claims;
        assert_eq!(claims[0].display[0].name, "Given name");
        assert_eq!(claims[0].display[1].name, "Prénom");
    }

    #[test]
    fn an_sd_jwt_configuration_for_types_with_a_vct() {
        let doc = DocumentType::new("BirthCertificate", "Birth certificate", "Acte de naissance")
            .with_claim("givenName", "Given name", "Prénom")
            .with_vct("urn:civitas:type:BirthCertificate");
        let m = issuer_metadata("https://issuer.example", &[doc], &[]);
        assert_eq!(m.credential_configurations_supported.len(), 3);
        let v = serde_json::to_value(&m).unwrap();
        let c = &v["credential_configurations_supported"]["BirthCertificate_dc+sd-jwt"];
        assert_eq!(c["format"], "dc+sd-jwt");
        assert_eq!(c["vct"], "urn:civitas:type:BirthCertificate");
        assert!(c.get("credential_definition").is_none());
        assert_eq!(
            c["credential_metadata"]["claims"][0]["path"],
            serde_json::json!(["givenName"])
        );
        let l = &v["credential_configurations_supported"]["BirthCertificate_ldp_vc"];
        assert!(l.get("vct").is_none());
        let back: CredentialIssuerMetadata = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn authorization_server() {
        let a = authorization_server_metadata("https://issuer.example");
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["token_endpoint"], "https://issuer.example/oid4vci/token");
        assert_eq!(v["pre-authorized_grant_anonymous_access_supported"], true);
    }
}
