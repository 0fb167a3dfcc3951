//! The **trust-less document check** ([`DocumentCheck`]): everything that can be decided from the
//! document itself, the keys its issuer's id names and the clock — structure, schema, signature,
//! the signing key's binding to the issuer, validity dates; for presentations also the challenge,
//! domain, holder binding and every embedded credential.
//!
//! It does **not** decide whether the issuer is trusted, nor whether the document is revoked or
//! suspended: on its own it reports VALID for a well-signed credential from *any* `did:key`. Those
//! decisions are [`CredentialPolicy`] implementations plugged in on top of it; the verifier that
//! makes them — the one to use for any decision — is `civitas_verifier::Verifier` (trust lists,
//! offline bundles, status lists). A report made without a trust policy says so (see
//! [`Report::trust_checked`]).
//!
//! ssi-style libraries check signatures only; civitas also checks that the signing key is
//! controlled by the issuer and allowed for `assertionMethod`, the validity period and the schema.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::credential::{Credential, Presentation, SyntaxError, format_datetime, parse_json};
use crate::data_integrity::{self, ProofVerification};
use crate::jwt::{self, DecodedJwt, JwtError};
use crate::model;
use crate::report::{CheckKind, DocumentKind, Outcome, Report};
use crate::schema;
use civitas_jsonld::contexts::ContextLoader;
use civitas_jsonld::member::Member;
use civitas_keys::did::ProofPurpose;
use civitas_keys::resolver::{self, OfflineResolver, Resolver};

/// What the verifier expects of this verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The time to verify at; default: now.
    pub now: Option<DateTime<Utc>>,
    /// The challenge the verifier gave the holder (presentations).
    pub challenge: Option<String>,
    /// The verifier's domain (presentations).
    pub domain: Option<String>,
}

impl VerifyOptions {
    /// The verification time.
    pub fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// A credential and how it is secured.
#[derive(Debug, Clone, PartialEq)]
pub enum SecuredCredential {
    /// A credential with embedded Data Integrity proof(s) (or none).
    DataIntegrity(Credential),
    /// A credential secured as `vc+jwt`.
    Jwt {
        /// The decoded JWS.
        jwt: Box<DecodedJwt>,
        /// The credential it carries.
        credential: Credential,
    },
}

impl SecuredCredential {
    /// The credential.
    pub fn credential(&self) -> &Credential {
        match self {
            Self::DataIntegrity(c) => c,
            Self::Jwt { credential, .. } => credential,
        }
    }

    /// Reads a credential embedded in a presentation: a secured document, or an
    /// `EnvelopedVerifiableCredential` with a `data:application/vc+jwt,` id.
    pub fn from_embedded(value: &Value) -> Result<Self, EmbeddedError> {
        let is_enveloped = crate::credential::one_or_many(value.member("type"))
            .iter()
            .any(|t| t.as_str() == Some("EnvelopedVerifiableCredential"));
        if is_enveloped {
            let id = value.member("id").and_then(Value::as_str).unwrap_or("");
            let token = id
                .strip_prefix("data:application/vc+jwt,")
                .or_else(|| id.strip_prefix("data:application/vc-ld+jwt,"))
                .ok_or_else(|| EmbeddedError::EnvelopeId { id: id.to_owned() })?;
            return Ok(Self::from_jwt(token)?);
        }
        Ok(Credential::from_value(value.clone()).map(Self::DataIntegrity)?)
    }

    /// Reads a `vc+jwt` credential.
    pub fn from_jwt(token: &str) -> Result<Self, InputError> {
        let jwt = jwt::decode(token)?;
        let credential = Credential::from_value(jwt.payload.clone())?;
        Ok(Self::Jwt {
            jwt: Box::new(jwt),
            credential,
        })
    }
}

/// Why a credential embedded in a presentation could not be read
/// ([`SecuredCredential::from_embedded`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddedError {
    /// An `EnvelopedVerifiableCredential` whose `id` is not a `vc+jwt` data URL.
    #[error("an EnvelopedVerifiableCredential must have a data:application/vc+jwt, id")]
    EnvelopeId {
        /// The `id` found (empty when missing).
        id: String,
    },
    /// The enveloped JWT or the embedded document cannot be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The embedded document breaks the data model.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
}

/// A document to verify.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A credential.
    Credential(SecuredCredential),
    /// A presentation.
    Presentation(Presentation),
}

/// Why input could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Empty input.
    #[error("the input is empty")]
    Empty,
    /// JSON or data-model error.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// JWT error.
    #[error(transparent)]
    Jwt(#[from] JwtError),
}

impl Input {
    /// Reads a JSON credential or presentation, or a `vc+jwt` compact JWS.
    pub fn parse(bytes: &[u8]) -> Result<Self, InputError> {
        let trimmed = bytes.trim_ascii();
        if trimmed.is_empty() {
            return Err(InputError::Empty);
        }
        if trimmed[0] != b'{' {
            let text = std::str::from_utf8(trimmed).map_err(|e| {
                SyntaxError::Json(civitas_jsonld::json::JsonError::Syntax {
                    line: 1,
                    column: e.valid_up_to() + 1,
                    offset: e.valid_up_to(),
                    reason: "neither JSON nor a JWT: invalid UTF-8".into(),
                })
            })?;
            return Ok(Self::Credential(SecuredCredential::from_jwt(text)?));
        }
        let json = parse_json(trimmed)?;
        let is_vp = crate::credential::one_or_many(json.member("type"))
            .iter()
            .any(|t| t.as_str() == Some("VerifiablePresentation"));
        if is_vp {
            Ok(Self::Presentation(Presentation::from_value(json)?))
        } else {
            Ok(Self::Credential(SecuredCredential::DataIntegrity(
                Credential::from_value(json)?,
            )))
        }
    }
}

/// A check a deployment adds to every credential (top-level or inside a presentation): issuer
/// trust, revocation, suspension.
#[async_trait::async_trait]
pub trait CredentialPolicy: Send + Sync {
    /// Adds its checks to `report`.
    async fn check(
        &self,
        credential: &SecuredCredential,
        options: &VerifyOptions,
        report: &mut Report,
    );
}

/// The trust-less document check: checks credentials and presentations against their issuer's
/// keys, the clock and the schema — **not** against a trust list or status lists, unless
/// [`CredentialPolicy`]s are added ([`DocumentCheck::with_policy`]).
///
/// `DocumentCheck::default().verify(..)` answers "is this document intact, well-formed, signed by
/// a key its issuer id names, and in its validity period?": a credential anyone signed with their
/// own `did:key` passes. To decide whether to accept a document, use `civitas_verifier::Verifier`,
/// which runs this check with the trust and status policies of a deployment.
#[derive(Clone)]
pub struct DocumentCheck {
    loader: ContextLoader,
    resolver: Arc<dyn Resolver>,
    policies: Vec<Arc<dyn CredentialPolicy>>,
}

impl std::fmt::Debug for DocumentCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentCheck")
            .field("loader", &self.loader)
            .field("policies", &self.policies.len())
            .finish()
    }
}

impl Default for DocumentCheck {
    fn default() -> Self {
        Self::new(ContextLoader::bundled(), OfflineResolver::new())
    }
}

impl DocumentCheck {
    /// A document check with these contexts and this resolver, and no policy.
    pub fn new(loader: ContextLoader, resolver: impl Resolver + 'static) -> Self {
        Self {
            loader,
            resolver: Arc::new(resolver),
            policies: Vec::new(),
        }
    }

    /// A document check sharing an existing resolver, and no policy.
    pub fn with_shared_resolver(loader: ContextLoader, resolver: Arc<dyn Resolver>) -> Self {
        Self {
            loader,
            resolver,
            policies: Vec::new(),
        }
    }

    /// Adds a policy run on every credential.
    pub fn with_policy(mut self, policy: Arc<dyn CredentialPolicy>) -> Self {
        self.policies.push(policy);
        self
    }

    /// The context loader.
    pub fn loader(&self) -> &ContextLoader {
        &self.loader
    }

    /// The resolver.
    pub fn resolver(&self) -> &Arc<dyn Resolver> {
        &self.resolver
    }

    /// Reads and checks a credential or presentation from bytes (the policies included, if any
    /// were added). Bytes that cannot be read give a report whose `syntax` check failed.
    pub async fn verify(&self, bytes: &[u8], options: &VerifyOptions) -> Report {
        match Input::parse(bytes) {
            Ok(input) => self.verify_input(&input, options).await,
            Err(e) => {
                let mut r = Report::new(DocumentKind::Unknown);
                r.push(CheckKind::Syntax, Outcome::failed(e.to_string()));
                r
            }
        }
    }

    /// Checks input already read ([`Input::parse`]).
    pub async fn verify_input(&self, input: &Input, options: &VerifyOptions) -> Report {
        match input {
            Input::Credential(c) => self.check_credential(c, options).await,
            Input::Presentation(p) => self.check_presentation(p, options).await,
        }
    }

    /// All checks on one credential, including the policies.
    pub async fn check_credential(
        &self,
        secured: &SecuredCredential,
        options: &VerifyOptions,
    ) -> Report {
        let credential = secured.credential();
        let now = options.now();
        let mut report = Report::new(DocumentKind::Credential);
        report.id = credential.id().map(str::to_owned);
        report.issuer = Some(credential.issuer().to_owned());
        report.types = credential.types().to_vec();
        // The digests of related resources civitas has offline (VC 2.0 §5.3).
        let syntax = match crate::data_model::check_related_digests(credential.json(), &self.loader)
        {
            Err(e) => Outcome::failed(e.to_string()),
            Ok(()) => Outcome::passed(match credential.version() {
                crate::credential::VcVersion::V1_1 => "VC Data Model 1.1",
                crate::credential::VcVersion::V2_0 => "VC Data Model 2.0",
            }),
        };
        report.push(CheckKind::Syntax, syntax);
        match secured {
            SecuredCredential::DataIntegrity(c) => {
                let proofs = data_integrity::verify_proofs(
                    c.json(),
                    self.resolver.as_ref(),
                    &self.loader,
                    now,
                )
                .await;
                report.secured_with = Some(suites(&proofs));
                report.push(
                    CheckKind::Signature,
                    undecidable(c.json(), &proofs, &self.loader)
                        .unwrap_or_else(|| signature_outcome(&proofs)),
                );
                report.push(
                    CheckKind::IssuerBinding,
                    self.binding_outcome(c.issuer(), &proofs, ProofPurpose::AssertionMethod)
                        .await,
                );
            }
            SecuredCredential::Jwt { jwt, credential } => {
                report.secured_with = Some(jwt::VC_JWT_TYPE.to_owned());
                if let Err(e) =
                    civitas_jsonld::canon::check_terms(credential.json(), &self.loader).await
                {
                    let outcome = match self.loader.first_unknown(credential.json()) {
                        Some(url) => Outcome::indeterminate(unknown_context_reason(&url)),
                        None => Outcome::failed(e.to_string()),
                    };
                    report.push(CheckKind::Syntax, outcome);
                }
                report.push(
                    CheckKind::Signature,
                    jwt_outcome(jwt, self.resolver.as_ref()).await,
                );
                let binding = resolver::check_relationship(
                    self.resolver.as_ref(),
                    credential.issuer(),
                    &jwt.kid,
                    ProofPurpose::AssertionMethod,
                )
                .await
                .map(|()| format!("{} is an assertion key of the issuer", jwt.kid));
                report.push(CheckKind::IssuerBinding, Outcome::from_result(binding));
            }
        }
        report.push(CheckKind::ValidityPeriod, validity_outcome(secured, now));
        let (schema, described) = schema_outcome(credential);
        report.push(CheckKind::Schema, schema);
        // A civil-registry document the schema check has just read is described from that read;
        // anything else from its JSON (no second parse of the subject on the hot path).
        report.about.description =
            Some(described.unwrap_or_else(|| model::describe(credential.json())));
        for policy in &self.policies {
            policy.check(secured, options, &mut report).await;
        }
        report
    }

    async fn binding_outcome(
        &self,
        controller: &str,
        proofs: &[ProofVerification],
        purpose: ProofPurpose,
    ) -> Outcome {
        if proofs.is_empty() {
            return Outcome::failed("there is no proof to bind to the issuer");
        }
        let mut keys = Vec::new();
        for p in proofs {
            let Some(method) = &p.verification_method else {
                return Outcome::failed(format!("proof {} has no verificationMethod", p.index));
            };
            if p.purpose.as_deref() != Some(purpose.as_str()) {
                return Outcome::failed(format!(
                    "proof {} has purpose {}, expected {purpose}",
                    p.index,
                    p.purpose.as_deref().unwrap_or("(none)")
                ));
            }
            if let Err(reason) =
                resolver::check_relationship(self.resolver.as_ref(), controller, method, purpose)
                    .await
            {
                return Outcome::failed(reason.to_string());
            }
            keys.push(method.as_str());
        }
        Outcome::passed(format!("signed by {} of {controller}", keys.join(", ")))
    }

    /// All checks on a presentation and on each credential inside it.
    pub async fn check_presentation(&self, vp: &Presentation, options: &VerifyOptions) -> Report {
        let now = options.now();
        let mut report = Report::new(DocumentKind::Presentation);
        report.id = vp
            .json()
            .member("id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        report.issuer = vp.holder().map(str::to_owned);
        report.types = crate::credential::one_or_many(vp.json().member("type"))
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        report.push(
            CheckKind::Syntax,
            Outcome::passed("verifiable presentation"),
        );
        let proofs =
            data_integrity::verify_proofs(vp.json(), self.resolver.as_ref(), &self.loader, now)
                .await;
        report.secured_with = Some(suites(&proofs));
        report.push(
            CheckKind::Signature,
            undecidable(vp.json(), &proofs, &self.loader)
                .unwrap_or_else(|| signature_outcome(&proofs)),
        );
        let purpose_ok = !proofs.is_empty()
            && proofs
                .iter()
                .all(|p| p.purpose.as_deref() == Some("authentication"));
        report.push(
            CheckKind::ProofPurpose,
            if purpose_ok {
                Outcome::passed("authentication")
            } else {
                Outcome::failed(format!(
                    "a presentation must be signed for authentication, found {}",
                    proofs
                        .iter()
                        .map(|p| p.purpose.clone().unwrap_or_else(|| "(none)".into()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            },
        );
        let holder = vp.holder();
        // VC 2.0 makes `holder` optional; a presentation of civil-registry documents must name
        // one (its holder must be their subject), any other is bound by its proof alone.
        let carries_documents = || {
            vp.credentials().into_iter().any(|c| {
                SecuredCredential::from_embedded(c)
                    .is_ok_and(|c| c.credential().document_type().is_some())
            })
        };
        report.push(
            CheckKind::HolderBinding,
            match holder {
                None if carries_documents() => Outcome::failed(
                    "the presentation names no holder, and the civil-registry documents in it must be presented by their subject",
                ),
                None => Outcome::not_applicable(
                    "the presentation names no holder: its proof binds it to the key that signed it",
                ),
                Some(h) => {
                    self.binding_outcome(h, &proofs, ProofPurpose::Authentication)
                        .await
                }
            },
        );
        report.push(
            CheckKind::Challenge,
            expected_outcome(
                "challenge",
                options.challenge.as_deref(),
                proofs
                    .iter()
                    .map(|p| p.challenge.clone().into_iter().collect())
                    .collect(),
            ),
        );
        report.push(
            CheckKind::Domain,
            expected_outcome(
                "domain",
                options.domain.as_deref(),
                proofs.iter().map(|p| p.domains.clone()).collect(),
            ),
        );
        let mut not_subject = Vec::new();
        let mut subject_checked = 0;
        for (i, embedded) in vp.credentials().into_iter().enumerate() {
            let nested = match SecuredCredential::from_embedded(embedded) {
                Ok(c) => {
                    if let (Some(h), Some(_)) = (holder, c.credential().document_type()) {
                        subject_checked += 1;
                        if !c.credential().subject_ids().contains(&h) {
                            not_subject.push(format!("credential {i} is not about the holder {h}"));
                        }
                    }
                    Box::pin(self.check_credential(&c, options)).await
                }
                Err(reason) => {
                    let mut r = Report::new(DocumentKind::Credential);
                    r.push(CheckKind::Syntax, Outcome::failed(reason.to_string()));
                    r.about.description = Some(model::describe(embedded));
                    r
                }
            };
            report.credentials.push(nested);
        }
        report.push(
            CheckKind::HolderIsSubject,
            if !not_subject.is_empty() {
                Outcome::failed(not_subject.join("; "))
            } else if subject_checked == 0 {
                Outcome::not_applicable("no credential here requires the holder to be its subject")
            } else {
                Outcome::passed("the holder is the subject of each civil-registry document")
            },
        );
        report.summarize_embedded();
        report
    }
}

fn suites(proofs: &[ProofVerification]) -> String {
    let mut names: Vec<String> = proofs
        .iter()
        .filter_map(|p| p.cryptosuite.clone())
        .collect();
    names.dedup();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// An indeterminate signature outcome when every proof failed only because the document could
/// not be canonicalized and it names a context civitas does not have: civitas cannot check the
/// signature, which says nothing about whether it is good (SPEC §8).
fn undecidable(
    document: &Value,
    proofs: &[ProofVerification],
    loader: &ContextLoader,
) -> Option<Outcome> {
    let all_canonicalization = !proofs.is_empty()
        && proofs.iter().all(|p| {
            matches!(
                p.result,
                Err(data_integrity::ProofFailure::Canonicalization(_))
            )
        });
    if !all_canonicalization {
        return None;
    }
    let url = loader.first_unknown(document)?;
    Some(Outcome::indeterminate(unknown_context_reason(&url)))
}

fn unknown_context_reason(url: &str) -> String {
    format!(
        "cannot be checked: unknown JSON-LD context `{url}` (civitas never fetches contexts; \
         add it to the verifier's contexts to check this document)"
    )
}

fn signature_outcome(proofs: &[ProofVerification]) -> Outcome {
    if proofs.is_empty() {
        return Outcome::failed("the document carries no proof");
    }
    let failures: Vec<String> = proofs
        .iter()
        .filter_map(|p| {
            p.result.as_ref().err().map(|e| {
                if proofs.len() == 1 {
                    e.to_string()
                } else {
                    format!("proof {}: {e}", p.index)
                }
            })
        })
        .collect();
    if failures.is_empty() {
        let chained = proofs.len() > 1;
        Outcome::passed(if chained {
            format!("{} proofs verified", proofs.len())
        } else {
            "proof verified".to_owned()
        })
    } else {
        Outcome::failed(failures.join("; "))
    }
}

async fn jwt_outcome(jwt: &DecodedJwt, resolver: &dyn Resolver) -> Outcome {
    match jwt.typ.as_deref() {
        Some(jwt::VC_JWT_TYPE) | Some(jwt::VC_LD_JWT_TYPE) | None => {}
        Some(other) => {
            return Outcome::failed(format!(
                "JWT `typ` is {other}, expected {}",
                jwt::VC_JWT_TYPE
            ));
        }
    }
    match jwt.verify_signature(resolver).await {
        Ok(()) => Outcome::passed(format!(
            "{} signature by {}",
            jwt.algorithm.jose_alg(),
            jwt.kid
        )),
        Err(reason) => Outcome::failed(reason.to_string()),
    }
}

fn expected_outcome(what: &str, expected: Option<&str>, found: Vec<Vec<String>>) -> Outcome {
    match expected {
        None => Outcome::not_applicable(format!("the verifier asked for no {what}")),
        Some(want) => {
            if !found.is_empty() && found.iter().all(|values| values.iter().any(|v| v == want)) {
                Outcome::passed(format!("{what} matches"))
            } else {
                let got: Vec<String> = found.into_iter().flatten().collect();
                Outcome::failed(if got.is_empty() {
                    format!("the presentation has no {what}; expected `{want}`")
                } else {
                    format!(
                        "{what} is `{}`, expected `{want}` (replayed from another exchange?)",
                        got.join(", ")
                    )
                })
            }
        }
    }
}

fn validity_outcome(secured: &SecuredCredential, now: DateTime<Utc>) -> Outcome {
    let credential = secured.credential();
    let mut from = credential.valid_from();
    let mut until = credential.valid_until();
    if let SecuredCredential::Jwt { jwt, .. } = secured {
        let claim = |k: &str| {
            jwt.payload
                .get(k)
                .and_then(Value::as_i64)
                .and_then(|s| DateTime::from_timestamp(s, 0))
        };
        if let Some(nbf) = claim("nbf") {
            from = Some(from.map_or(nbf, |f| f.max(nbf)));
        }
        if let Some(exp) = claim("exp") {
            until = Some(until.map_or(exp, |u| u.min(exp)));
        }
    }
    if let Some(f) = from
        && now < f
    {
        return Outcome::failed(format!("not valid yet: valid from {}", format_datetime(f)));
    }
    if let Some(u) = until
        && now > u
    {
        return Outcome::failed(format!("expired on {}", format_datetime(u)));
    }
    Outcome::passed(match (from, until) {
        (_, Some(u)) => format!("valid until {}", format_datetime(u)),
        (Some(f), None) => format!("valid since {}, no expiry", format_datetime(f)),
        (None, None) => "no validity period".into(),
    })
}

/// The `schema` outcome, and — when the subject of a civil-registry document was read and passed
/// its rules — what the document is, in words ([`model::describe`]'s text, from that read).
fn schema_outcome(credential: &Credential) -> (Outcome, Option<String>) {
    let ids = schema::schema_ids(credential.json());
    let kind = credential.document_type();
    let known = kind.as_ref().and_then(|k| k.profile());
    let mut checked: Vec<&str> = Vec::new();
    let mut described = None;
    if let (Some(kind), Some(known)) = (&kind, &known) {
        // Documents of a known type are always held to their profile's schema and rules; a
        // VC 2.0 one must also name the schema (VC 1.1 has no JsonSchema type in its context).
        let schema_url = known.profile.document.schema_url.as_str();
        let names_it = ids.iter().any(|i| i == schema_url);
        if credential.version() == crate::credential::VcVersion::V2_0 && !names_it {
            return (
                Outcome::failed(format!(
                    "a {kind} must name its schema {schema_url} in credentialSchema"
                )),
                None,
            );
        }
        if let Err(e) = schema::validate_credential(schema_url, credential.json()) {
            return (Outcome::failed(e.to_string()), None);
        }
        let subject = credential
            .subjects()
            .first()
            .copied()
            .unwrap_or(&Value::Null);
        match known
            .profile
            .validate_at(subject, model::latest_date_today())
            .into_iter()
            .next()
        {
            None => described = Some(known.profile.summary(subject, "en")),
            Some(e) => {
                return (
                    Outcome::failed(format!("credentialSubject{}: {}", e.pointer, e.message)),
                    None,
                );
            }
        }
        checked.push(schema_url);
    }
    for id in &ids {
        if schema::is_known(id) && !checked.contains(&id.as_str()) {
            if let Err(e) = schema::validate_credential(id, credential.json()) {
                return (Outcome::failed(e.to_string()), described);
            }
            checked.push(id.as_str());
        }
    }
    let outcome = if checked.is_empty() {
        if ids.is_empty() {
            Outcome::not_applicable("the credential names no schema")
        } else {
            Outcome::not_applicable(format!(
                "schema {} is not bundled with civitas; not checked",
                ids.join(", ")
            ))
        }
    } else {
        Outcome::passed(format!("matches {}", checked.join(", ")))
    };
    (outcome, described)
}
