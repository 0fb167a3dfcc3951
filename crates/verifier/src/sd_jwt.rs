//! SD-JWT VCs (`dc+sd-jwt`, SPEC.md §14.8): an SD-JWT (with or without a key binding JWT) is
//! read once ([`SdJwtInput`]) and checked here. The issuer's key is the header `kid`, a DID URL
//! resolved as for any credential and bound to `iss`; the SD-JWT layer checks the signature,
//! every disclosure and the key binding (required, with `aud` = the domain and `nonce` = the
//! challenge, when the verifier asks with a challenge). The disclosed claims are then checked as
//! a credential of the type its `vct` names (trusted issuer for that type, validity period);
//! the JSON Schema applies to whole documents only, so a partial disclosure is not held to it.
//! Revocation and suspension come from the Token Status List its `status` names, verified with
//! the issuer's key: from a snapshot given to the verifier (a bundle), or fetched online.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use civitas_core::credential::Credential;
use civitas_core::model::DocumentType;
use civitas_core::report::{CheckKind, DocumentKind, Outcome, Report};
use civitas_core::verify::{DocumentCheck, SecuredCredential, VerifyOptions};
use civitas_keys::did::ProofPurpose;
use civitas_keys::keys::PublicKey;
use civitas_keys::resolver::{self, Resolver};
use civitas_sdjwt::SdJwtError;
use civitas_sdjwt::status_list::{TokenStatusList, verify_status_list_token};
use civitas_sdjwt::verify::{SdJwt, VerifiedSdJwt};
use serde_json::{Map, Value, json};

use crate::online::HttpFetcher;
use crate::policy::{Signing, TrustPolicy};

/// The `secured_with` of an SD-JWT VC's report.
pub const SECURED_WITH: &str = "dc+sd-jwt";
/// The media type of a Token Status List.
pub const TOKEN_MEDIA_TYPE: &str = "application/statuslist+jwt";
/// How long a key binding JWT may be old, in seconds.
pub const MAX_KEY_BINDING_AGE_SECS: i64 = 300;

/// An SD-JWT VC as read: its text and its parts (nothing verified yet).
#[derive(Debug, Clone)]
pub struct SdJwtInput {
    /// The text, trimmed.
    pub text: String,
    /// Its parts.
    pub parsed: SdJwt,
}

impl PartialEq for SdJwtInput {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl SdJwtInput {
    /// Reads `text` as an SD-JWT (`<jwt>~<disclosure>~…~[<kb-jwt>]`).
    pub fn read(text: &str) -> Result<Self, SdJwtError> {
        let text = text.trim();
        Ok(Self {
            parsed: civitas_sdjwt::verify::parse(text)?,
            text: text.to_owned(),
        })
    }

    /// The claims as its disclosures say, as a credential ([`credential_view`]); NOTHING is
    /// verified: for showing and filing what a verification then accepts or refuses.
    pub fn unverified_view(&self) -> Result<Value, SdJwtError> {
        let (claims, _) = civitas_sdjwt::verify::disclosed_claims(&self.parsed)?;
        Ok(credential_view(&claims))
    }

    /// Whether `text` looks like an SD-JWT: a compact JWS followed by `~`.
    pub fn looks_like(text: &[u8]) -> bool {
        let t = text.trim_ascii();
        t.first() != Some(&b'{') && t.contains(&b'~')
    }
}

/// The Token Status Lists a verifier holds (snapshots from a bundle, or fetched), by URI.
#[derive(Debug, Default)]
pub struct TokenLists {
    lists: RwLock<HashMap<String, (String, DateTime<Utc>)>>,
}

impl TokenLists {
    /// Keeps the signed token `jwt` of list `uri`, fetched at `fetched_at` (verified when used:
    /// its signer must be the issuer of the credential that names it).
    pub fn insert(&self, uri: &str, jwt: &str, fetched_at: DateTime<Utc>) {
        if let Ok(mut lists) = self.lists.write() {
            lists.insert(uri.to_owned(), (jwt.to_owned(), fetched_at));
        }
    }

    /// The signed token of list `uri`, and when it was fetched.
    pub fn get(&self, uri: &str) -> Option<(String, DateTime<Utc>)> {
        self.lists.read().ok()?.get(uri).cloned()
    }

    /// Every list held: URI, token, when fetched.
    pub fn all(&self) -> Vec<(String, String, DateTime<Utc>)> {
        self.lists.read().map_or_else(
            |_| Vec::new(),
            |l| {
                l.iter()
                    .map(|(u, (t, f))| (u.clone(), t.clone(), *f))
                    .collect()
            },
        )
    }
}

/// What the SD-JWT checks need from the verifier.
pub(crate) struct SdJwtContext<'a> {
    pub(crate) checker: &'a DocumentCheck,
    pub(crate) trust: &'a TrustPolicy,
    pub(crate) tokens: &'a TokenLists,
    pub(crate) fetcher: Option<&'a HttpFetcher>,
    /// The longest a token list may be used after it was fetched.
    pub(crate) max_age: Option<std::time::Duration>,
}

/// The key of `kid` if it is a verification method of `iss` allowed for `assertionMethod`.
async fn issuer_key(
    resolver: &dyn Resolver,
    kid: Option<&str>,
    iss: Option<&str>,
) -> Result<PublicKey, String> {
    let kid = kid.ok_or("the issuer JWT has no `kid`")?;
    let (_, key) = resolver::resolve_method(resolver, kid)
        .await
        .map_err(|e| format!("{kid}: {e}"))?;
    let iss = iss.ok_or("the SD-JWT VC has no `iss`")?;
    resolver::check_relationship(resolver, iss, kid, ProofPurpose::AssertionMethod)
        .await
        .map_err(|e| e.to_string())?;
    Ok(key)
}

/// The check an SD-JWT error fails.
fn failed_check(e: &SdJwtError) -> CheckKind {
    use SdJwtError as E;
    match e {
        E::KeyBindingNonce => CheckKind::Challenge,
        E::KeyBindingAudience { .. } => CheckKind::Domain,
        E::KeyBindingMissing
        | E::KeyBindingStale { .. }
        | E::KeyBindingHash
        | E::KeyBindingInvalid { .. }
        | E::UnexpectedKeyBinding { .. }
        | E::KeyBindingNoCnf => CheckKind::HolderBinding,
        E::Expired { .. } | E::NotYetValid { .. } => CheckKind::ValidityPeriod,
        _ => CheckKind::Signature,
    }
}

/// The claims of an SD-JWT VC that are not about its subject: the registered JWT and SD-JWT VC
/// claims and the SD-JWT plumbing.
pub const REGISTERED_CLAIMS: [&str; 12] = [
    "iss",
    "iat",
    "exp",
    "nbf",
    "vct",
    "cnf",
    "status",
    "sub",
    "_sd",
    "_sd_alg",
    "...",
    "vct#integrity",
];

/// The claims of an SD-JWT VC (registered claims included, as
/// [`VerifiedSdJwt::claims`] has them) as a credential of the type its `vct` names, for the
/// trust, validity and description checks and for wallets: `issuer` = `iss`, `validFrom` =
/// `iat`, `validUntil` = `exp`, the subject = `sub` and the other claims.
pub fn credential_view(claims: &Map<String, Value>) -> Value {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let vct = text("vct").unwrap_or_default();
    let type_name = civitas_sdjwt::vct::type_for_vct(vct).unwrap_or("Credential");
    let mut contexts = vec![Value::from(civitas_jsonld::contexts::CREDENTIALS_V2)];
    if let Some(known) = type_name
        .parse::<DocumentType>()
        .ok()
        .and_then(|t| t.profile())
    {
        contexts.push(known.profile.document.context_url.clone().into());
    }
    let mut subject: Map<String, Value> = Map::new();
    if let Some(sub) = text("sub") {
        subject.insert("id".into(), sub.into());
    }
    for (k, v) in claims {
        if !REGISTERED_CLAIMS.contains(&k.as_str()) {
            subject.insert(k.clone(), v.clone());
        }
    }
    let time = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_i64)
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(civitas_core::credential::format_datetime)
    };
    let mut view = json!({
        "@context": contexts,
        "type": ["VerifiableCredential", type_name],
        "issuer": text("iss").unwrap_or_default(),
        "credentialSubject": subject,
    });
    if let Some(from) = time("iat") {
        view["validFrom"] = from.into();
    }
    if let Some(until) = time("exp") {
        view["validUntil"] = until.into();
    }
    view
}

/// Verifies an SD-JWT VC: see the module documentation.
pub(crate) async fn verify_sd_jwt(
    ctx: &SdJwtContext<'_>,
    input: &SdJwtInput,
    options: &VerifyOptions,
) -> Report {
    let mut report = Report::new(DocumentKind::Credential);
    report.secured_with = Some(SECURED_WITH.to_owned());
    let resolver = ctx.checker.resolver().as_ref();
    let kid = input.parsed.header.get("kid").and_then(Value::as_str);
    let iss = input.parsed.payload.get("iss").and_then(Value::as_str);
    let key = match issuer_key(resolver, kid, iss).await {
        Ok(key) => key,
        Err(reason) => {
            report.push(CheckKind::IssuerBinding, Outcome::failed(reason));
            return report;
        }
    };
    let now = options.now.unwrap_or_else(Utc::now);
    let mut sd_options = civitas_sdjwt::verify::VerifyOptions::new(now.timestamp());
    if let Some(challenge) = &options.challenge {
        let aud = options.domain.as_deref().unwrap_or_default();
        sd_options = sd_options.require_key_binding(aud, challenge, MAX_KEY_BINDING_AGE_SECS);
    }
    let verified = match civitas_sdjwt::verify::verify(&input.text, &key, &sd_options) {
        Ok(v) => v,
        Err(e) => {
            report.push(failed_check(&e), Outcome::failed(e.to_string()));
            return report;
        }
    };
    let view = credential_view(&verified.claims);
    report.about.description = Some(civitas_core::model::describe(&view));
    match Credential::from_value(view) {
        Ok(credential) => {
            let checked = ctx
                .checker
                .check_credential(&SecuredCredential::DataIntegrity(credential), options)
                .await;
            for check in checked.checks {
                if matches!(
                    check.check,
                    CheckKind::TrustedIssuer | CheckKind::ValidityPeriod
                ) {
                    report.push(check.check, check.outcome);
                }
            }
        }
        Err(e) => report.push(CheckKind::Syntax, Outcome::failed(e.to_string())),
    }
    report.push(
        CheckKind::Signature,
        Outcome::passed(format!(
            "{} signature by {}; {} disclosure(s) checked",
            input
                .parsed
                .header
                .get("alg")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            kid.unwrap_or_default(),
            input.parsed.disclosures.len()
        )),
    );
    report.push(
        CheckKind::IssuerBinding,
        Outcome::passed(format!(
            "{} is an assertion key of {}",
            kid.unwrap_or_default(),
            iss.unwrap_or_default()
        )),
    );
    if let Some(kb) = &verified.key_binding {
        report.push(
            CheckKind::HolderBinding,
            Outcome::passed("the key binding JWT is signed by the holder's key (`cnf`)"),
        );
        report.push(
            CheckKind::Challenge,
            Outcome::passed(format!("nonce {}", kb.nonce)),
        );
        report.push(
            CheckKind::Domain,
            Outcome::passed(format!("audience {}", kb.aud)),
        );
    }
    report.push(
        CheckKind::Schema,
        Outcome::not_applicable(format!(
            "selective disclosure: {} claim(s) disclosed; the schema applies to whole documents",
            verified.disclosed.len()
        )),
    );
    let signing = Signing {
        key: kid.unwrap_or_default().to_owned(),
        signed_at: verified.iat.and_then(|t| DateTime::from_timestamp(t, 0)),
    };
    ctx.trust
        .apply_key_windows(iss.unwrap_or_default(), &[signing], &mut report);
    let (revocation, suspension) = token_status(ctx, &verified, now).await;
    report.push(CheckKind::Revocation, revocation);
    report.push(CheckKind::Suspension, suspension);
    report
}

/// The revocation and suspension outcomes of the token list entry `verified` names.
async fn token_status(
    ctx: &SdJwtContext<'_>,
    verified: &VerifiedSdJwt,
    now: DateTime<Utc>,
) -> (Outcome, Outcome) {
    let Some(status) = &verified.status else {
        let na = || Outcome::not_applicable("the SD-JWT VC has no `status`");
        return (na(), na());
    };
    let undecided = |reason: String| {
        (
            Outcome::indeterminate(reason.clone()),
            Outcome::indeterminate(reason),
        )
    };
    let (jwt, fetched_at) = match ctx.tokens.get(&status.uri) {
        Some(held) => held,
        None => match ctx.fetcher {
            Some(fetcher) => match fetcher.get(&status.uri, TOKEN_MEDIA_TYPE).await {
                Ok(f) => match String::from_utf8(f.body.to_vec()) {
                    Ok(text) => {
                        ctx.tokens.insert(&status.uri, &text, f.fetched_at);
                        (text, f.fetched_at)
                    }
                    Err(_) => return undecided(format!("{}: not text", status.uri)),
                },
                Err(e) => return undecided(format!("{}: {e}", status.uri)),
            },
            None => {
                return undecided(format!(
                    "no snapshot of the token status list {} (offline)",
                    status.uri
                ));
            }
        },
    };
    if let Some(max) = ctx.max_age
        && now - fetched_at > chrono::Duration::from_std(max).unwrap_or(chrono::Duration::MAX)
    {
        return undecided(format!(
            "the token status list {} was fetched at {fetched_at}, too long ago",
            status.uri
        ));
    }
    let list = match token_list(ctx, verified, &status.uri, &jwt, now).await {
        Ok(list) => list,
        Err(reason) => return undecided(reason),
    };
    match list.get(status.idx) {
        Ok(0) => (
            Outcome::passed(format!("entry {} of {} is VALID", status.idx, status.uri)),
            Outcome::passed(format!(
                "entry {} of {} is not SUSPENDED",
                status.idx, status.uri
            )),
        ),
        Ok(1) => (
            Outcome::failed(format!(
                "revoked: entry {} of {} is INVALID",
                status.idx, status.uri
            )),
            Outcome::not_applicable("revoked"),
        ),
        Ok(2) => (
            Outcome::passed(format!(
                "entry {} of {} is not INVALID",
                status.idx, status.uri
            )),
            Outcome::failed(format!(
                "suspended: entry {} of {} is SUSPENDED",
                status.idx, status.uri
            )),
        ),
        Ok(other) => undecided(format!(
            "entry {} of {} has the value {other:#x}, which civitas does not define",
            status.idx, status.uri
        )),
        Err(e) => undecided(e.to_string()),
    }
}

/// The token list `jwt` at `uri`, verified with a key of the credential's issuer.
async fn token_list(
    ctx: &SdJwtContext<'_>,
    verified: &VerifiedSdJwt,
    uri: &str,
    jwt: &str,
    now: DateTime<Utc>,
) -> Result<TokenStatusList, String> {
    let kid = civitas_core::jwt::decode(jwt)
        .map_err(|e| format!("{uri}: {e}"))?
        .kid;
    let key = issuer_key(
        ctx.checker.resolver().as_ref(),
        Some(&kid),
        verified.iss.as_deref(),
    )
    .await
    .map_err(|e| format!("the token status list {uri} is not signed by the issuer: {e}"))?;
    verify_status_list_token(jwt, &key, uri, now.timestamp()).map_err(|e| format!("{uri}: {e}"))
}
