//! The checks of an authorization response, after its `state` matched: the `vp_token` against
//! the DCQL query, then each presentation verified (challenge = the request's nonce, domain =
//! the client id), of the type asked, with the claims asked.

use civitas_core::report::{Report, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_oid4vp::dcql::{
    CredentialQuery, DcqlQuery, FORMAT_LDP_VC, FORMAT_SD_JWT, PathElement, match_claims,
};
use civitas_oid4vp::response::{AuthorizationResponse, Presentation};
use serde_json::{Map, Value};

use super::query::{query_types, show_path};
use super::result::CredentialResult;
use crate::document::{Document, Parsed};
use crate::verifier::Verifier;

/// A refused response: the OAuth error code, why, and what was verified before.
#[derive(Debug, Clone)]
pub(crate) struct Refused {
    pub(crate) error: &'static str,
    pub(crate) description: String,
    pub(crate) credentials: Vec<CredentialResult>,
}

fn refuse(description: impl Into<String>, credentials: Vec<CredentialResult>) -> Refused {
    Refused {
        error: "invalid_request",
        description: description.into(),
        credentials,
    }
}

/// Checks `response` (its `state` already matched) against `query`.
pub(crate) async fn check_response(
    verifier: &Verifier,
    query: &DcqlQuery,
    response: &AuthorizationResponse,
    nonce: &str,
    client_id: &str,
) -> Result<Vec<CredentialResult>, Refused> {
    response.check_against(query).map_err(|e| Refused {
        error: e.code(),
        description: e.description(),
        credentials: Vec::new(),
    })?;
    let options = VerifyOptions {
        challenge: Some(nonce.to_owned()),
        domain: Some(client_id.to_owned()),
        ..VerifyOptions::default()
    };
    let mut done = Vec::new();
    for (id, presentations) in &response.vp_token {
        let Some(cq) = query.credential(id) else {
            return Err(refuse(
                format!("`vp_token` holds `{id}`, which was not asked"),
                done,
            ));
        };
        for (index, p) in presentations.iter().enumerate() {
            let at = format!("presentation {index} of `{id}`");
            match check_one(verifier, cq, p, &options).await {
                Ok(result) => done.push(result),
                Err((reason, result)) => {
                    done.extend(result);
                    return Err(refuse(format!("{at}: {reason}"), done));
                }
            }
        }
    }
    Ok(done)
}

type Failure = (String, Option<CredentialResult>);

/// The first failed (or undecided) check of a report, in words.
fn first_problem(report: &Report) -> String {
    report
        .checks
        .iter()
        .find(|c| c.outcome.is_failed())
        .or_else(|| {
            report.checks.iter().find(|c| {
                !c.outcome.is_failed()
                    && matches!(
                        c.outcome,
                        civitas_core::report::Outcome::Indeterminate { .. }
                    )
            })
        })
        .map_or_else(
            || format!("the verdict is {:?}", report.verdict),
            |c| format!("{}: {}", c.check.label(), c.outcome.text()),
        )
}

async fn check_one(
    verifier: &Verifier,
    cq: &CredentialQuery,
    presentation: &Presentation,
    options: &VerifyOptions,
) -> Result<CredentialResult, Failure> {
    let bytes = match (cq.format.as_str(), presentation) {
        (FORMAT_SD_JWT, Presentation::Compact(text)) => text.as_bytes().to_vec(),
        (FORMAT_LDP_VC, Presentation::Object(map)) => {
            serde_json::to_vec(map).map_err(|e| (e.to_string(), None))?
        }
        (format, _) => {
            return Err((
                format!("not a {format} presentation (dc+sd-jwt: a string; ldp_vc: a JSON object)"),
                None,
            ));
        }
    };
    let document = Document::read(&bytes).map_err(|e| (format!("cannot be read: {e}"), None))?;
    // the document must be of the format asked, whatever the verifier could read
    let (type_name, issuer, claims_root) = match (&document.parsed, cq.format.as_str()) {
        (Parsed::SdJwt(s), FORMAT_SD_JWT) => {
            let (claims, _) = civitas_sdjwt::verify::disclosed_claims(&s.parsed)
                .map_err(|e| (format!("cannot be read: {e}"), None))?;
            let vct = claims
                .get("vct")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let accepted = cq
                .meta
                .vct_values
                .as_ref()
                .is_none_or(|v| v.iter().any(|x| x == vct));
            if !accepted {
                return Err((
                    format!("its vct `{vct}` is not one the query asked for"),
                    None,
                ));
            }
            let type_name = civitas_sdjwt::vct::type_for_vct(vct).map(str::to_owned);
            let issuer = claims.get("iss").and_then(Value::as_str).map(str::to_owned);
            (type_name, issuer, Value::Object(claims))
        }
        (Parsed::Presentation(_), FORMAT_LDP_VC) => {
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| (e.to_string(), None))?;
            let credentials =
                civitas_core::credential::one_or_many(value.get("verifiableCredential"));
            let [credential] = credentials.as_slice() else {
                return Err((
                    format!(
                        "the presentation holds {} credentials; one is asked",
                        credentials.len()
                    ),
                    None,
                ));
            };
            let credential = (*credential).clone();
            let types: Vec<&str> = civitas_core::credential::one_or_many(credential.get("type"))
                .iter()
                .filter_map(|t| t.as_str())
                .collect();
            let accepted = cq.meta.type_values.as_ref().is_none_or(|sets| {
                sets.iter()
                    .any(|set| set.iter().all(|t| types.contains(&t.as_str())))
            });
            if !accepted {
                return Err((
                    format!("its types {types:?} are not a set the query asked for"),
                    None,
                ));
            }
            let type_name = civitas_core::model::DocumentType::from_types(types.iter().copied())
                .map(|t| t.as_str().to_owned());
            let issuer = match credential.get("issuer") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            };
            (type_name, issuer, credential)
        }
        (_, format) => {
            return Err((format!("not a {format} presentation"), None));
        }
    };
    let report = verifier.verify_document(&document, options).await;
    let mut result = CredentialResult {
        query_id: cq.id.clone(),
        format: cq.format.clone(),
        type_name: type_name.clone(),
        issuer,
        verdict: report.verdict,
        claims: Map::new(),
        checks: CredentialResult::checks_of(&report),
        report: serde_json::to_value(&report).unwrap_or(Value::Null),
    };
    if report.verdict != Verdict::Valid {
        return Err((
            format!("not valid ({})", first_problem(&report)),
            Some(result),
        ));
    }
    if let Some(t) = &type_name
        && !query_types(cq).contains(t)
        && (cq.meta.vct_values.is_some() || cq.meta.type_values.is_some())
    {
        return Err((
            format!("a {t}, not a type the query asked for"),
            Some(result),
        ));
    }
    let matched = match_claims(cq, &claims_root);
    if !matched.satisfied {
        let missing: Vec<String> = matched.missing.iter().map(|p| show_path(p)).collect();
        return Err((
            format!(
                "the claims asked are not all disclosed: {}",
                missing.join(", ")
            ),
            Some(result),
        ));
    }
    result.claims = match cq.format.as_str() {
        FORMAT_SD_JWT => match claims_root {
            Value::Object(mut map) => {
                map.retain(|k, _| !crate::sd_jwt::REGISTERED_CLAIMS.contains(&k.as_str()));
                map
            }
            _ => Map::new(),
        },
        _ => {
            let mut kept = Value::Object(Map::new());
            for path in &matched.paths {
                project(&claims_root, path, &mut kept);
            }
            match kept.get("credentialSubject") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            }
        }
    };
    Ok(result)
}

/// Copies into `out` what `path` selects in `from`, keeping the structure of member names (a
/// list selected by index or `null` is copied whole).
fn project(from: &Value, path: &[PathElement], out: &mut Value) {
    let Some((first, rest)) = path.split_first() else {
        *out = from.clone();
        return;
    };
    match first {
        PathElement::Key(k) => {
            let (Some(next), Value::Object(map)) = (from.get(k), &mut *out) else {
                return;
            };
            let slot = map.entry(k.clone()).or_insert_with(|| {
                if rest.is_empty() {
                    Value::Null
                } else if matches!(rest.first(), Some(PathElement::Key(_))) {
                    Value::Object(Map::new())
                } else {
                    Value::Null
                }
            });
            if matches!(rest.first(), Some(PathElement::Index(_) | PathElement::All)) {
                *slot = next.clone();
            } else {
                project(next, rest, slot);
            }
        }
        PathElement::Index(_) | PathElement::All => *out = from.clone(),
    }
}
