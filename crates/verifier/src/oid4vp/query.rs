//! What a relying party asks for: the body of `POST /oid4vp/requests` (a DCQL query, or the
//! shorthand `{"type", "format", "claims"}`), turned into a [`DcqlQuery`] whose every claim
//! path names a claim of the document type's profile.

use civitas_core::model::DocumentType;
use civitas_core::profile::{Kind, ObjectType, Profile};
use civitas_oid4vp::dcql::{
    CredentialQuery, DcqlQuery, FORMAT_LDP_VC, FORMAT_SD_JWT, Meta, PathElement,
};
use serde::Deserialize;
use serde_json::Value;

/// The id of the one credential query the shorthand makes.
pub const SHORTHAND_QUERY_ID: &str = "document";

/// The body of `POST /oid4vp/requests`: a DCQL query, or the shorthand.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// A whole DCQL query.
    #[serde(default)]
    pub dcql_query: Option<Value>,
    /// Shorthand: the document type (`BirthCertificate`, `birth-certificate`, `birth`).
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    /// Shorthand: `dc+sd-jwt` (default) or `ldp_vc`.
    #[serde(default)]
    pub format: Option<String>,
    /// Shorthand: the claims of the subject asked for (`givenName`; nested with dots:
    /// `mother.familyName`).
    #[serde(default)]
    pub claims: Option<Vec<String>>,
}

/// A request body that cannot be asked: what is wrong and where (a JSON pointer into the body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail} (at `{pointer}`)")]
pub struct QueryError {
    /// JSON pointer into the request body.
    pub pointer: String,
    /// What is wrong.
    pub detail: String,
    /// The claim path at fault, when a claim is.
    pub claim: Option<String>,
}

fn error(pointer: impl Into<String>, detail: impl Into<String>) -> QueryError {
    QueryError {
        pointer: pointer.into(),
        detail: detail.into(),
        claim: None,
    }
}

/// The `vct` civitas gives a document type.
pub fn vct_of(type_name: &str) -> String {
    civitas_sdjwt::vct::vct_for(type_name)
}

impl RequestBody {
    /// The DCQL query this body asks, every credential query checked against the profiles.
    pub fn to_query(&self) -> Result<DcqlQuery, QueryError> {
        let shorthand = self.type_name.is_some() || self.format.is_some() || self.claims.is_some();
        match (&self.dcql_query, shorthand) {
            (Some(_), true) => Err(error(
                "",
                "give either `dcql_query` or the shorthand (`type`, `format`, `claims`), not both",
            )),
            (None, false) => Err(error(
                "",
                "the body needs `dcql_query`, or `type` and `claims`",
            )),
            (Some(value), false) => {
                let query = DcqlQuery::parse(value).map_err(|e| match e {
                    civitas_oid4vp::Oid4vpError::Dcql(d) => {
                        error(format!("/dcql_query{}", d.pointer), d.problem.to_string())
                    }
                    other => error("/dcql_query", other.to_string()),
                })?;
                for (i, cq) in query.credentials.iter().enumerate() {
                    check_credential_query(cq, &format!("/dcql_query/credentials/{i}"))?;
                }
                Ok(query)
            }
            (None, true) => self.shorthand(),
        }
    }

    fn shorthand(&self) -> Result<DcqlQuery, QueryError> {
        let name = self
            .type_name
            .as_deref()
            .ok_or_else(|| error("/type", "the shorthand needs `type`"))?;
        let document = DocumentType::named(name).map_err(|e| error("/type", e.to_string()))?;
        let format = self.format.as_deref().unwrap_or(FORMAT_SD_JWT);
        let type_name = document.as_str().to_owned();
        let (meta, prefix): (Meta, &[&str]) = match format {
            FORMAT_SD_JWT => (Meta::sd_jwt(&[&vct_of(&type_name)]), &[]),
            FORMAT_LDP_VC => (
                Meta::w3c(&[&["VerifiableCredential", &type_name]]),
                &["credentialSubject"],
            ),
            other => {
                return Err(error(
                    "/format",
                    format!("format `{other}` is not one civitas verifies (dc+sd-jwt, ldp_vc)"),
                ));
            }
        };
        let claims = self.claims.clone().unwrap_or_default();
        let mut paths: Vec<Vec<String>> = Vec::new();
        for (i, claim) in claims.iter().enumerate() {
            if claim.is_empty() || claim.split('.').any(str::is_empty) {
                return Err(error(format!("/claims/{i}"), "an empty claim name"));
            }
            let mut path: Vec<String> = prefix.iter().map(|p| (*p).to_owned()).collect();
            path.extend(claim.split('.').map(str::to_owned));
            paths.push(path);
        }
        let refs: Vec<Vec<&str>> = paths
            .iter()
            .map(|p| p.iter().map(String::as_str).collect())
            .collect();
        let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
        let query = DcqlQuery::single(SHORTHAND_QUERY_ID, format, meta, &slices)
            .map_err(|e| error("", e.to_string()))?;
        if let Some(cq) = query.credentials.first() {
            check_credential_query(cq, "").map_err(|mut e| {
                // point at the shorthand's claim, not at the query made of it
                if let Some(index) = e
                    .pointer
                    .strip_prefix("/claims/")
                    .and_then(|rest| rest.split('/').next())
                {
                    e.pointer = format!("/claims/{index}");
                }
                e
            })?;
        }
        Ok(query)
    }
}

/// The document types a credential query names (`vct_values` or `type_values`).
pub fn query_types(cq: &CredentialQuery) -> Vec<String> {
    match cq.format.as_str() {
        FORMAT_SD_JWT => cq
            .meta
            .vct_values
            .iter()
            .flatten()
            .filter_map(|v| civitas_sdjwt::vct::type_for_vct(v).map(str::to_owned))
            .collect(),
        _ => cq
            .meta
            .type_values
            .iter()
            .flatten()
            .filter_map(|set| DocumentType::from_types(set.iter().map(String::as_str)))
            .map(|t| t.as_str().to_owned())
            .collect(),
    }
}

/// A credential query civitas can answer: `dc+sd-jwt` with civitas `vct`s or `ldp_vc` with
/// civitas types, every claim path in each type's profile.
fn check_credential_query(cq: &CredentialQuery, at: &str) -> Result<(), QueryError> {
    let mut types = Vec::new();
    match cq.format.as_str() {
        FORMAT_SD_JWT => {
            for (i, vct) in cq.meta.vct_values.iter().flatten().enumerate() {
                let known = civitas_sdjwt::vct::type_for_vct(vct)
                    .and_then(|t| DocumentType::named(t).ok())
                    .filter(|t| Some(t.as_str()) == civitas_sdjwt::vct::type_for_vct(vct));
                match known {
                    Some(t) => types.push(t),
                    None => {
                        return Err(error(
                            format!("{at}/meta/vct_values/{i}"),
                            format!(
                                "`{vct}` is not the vct of a known document type (urn:civitas:type:<Type>)"
                            ),
                        ));
                    }
                }
            }
        }
        FORMAT_LDP_VC => {
            for (i, set) in cq.meta.type_values.iter().flatten().enumerate() {
                match DocumentType::from_types(set.iter().map(String::as_str)) {
                    Some(t) => types.push(t),
                    None => {
                        return Err(error(
                            format!("{at}/meta/type_values/{i}"),
                            "the type set names no known document type",
                        ));
                    }
                }
            }
        }
        other => {
            return Err(error(
                format!("{at}/format"),
                format!("format `{other}` is not one civitas verifies (dc+sd-jwt, ldp_vc)"),
            ));
        }
    }
    if types.is_empty() {
        return Err(error(
            format!("{at}/meta"),
            "the query names no document type",
        ));
    }
    let prefix = usize::from(cq.format == FORMAT_LDP_VC);
    for (j, claim) in cq.claims.iter().flatten().enumerate() {
        let pointer = format!("{at}/claims/{j}/path");
        let shown = show_path(&claim.path);
        if prefix == 1 && claim.path.first() != Some(&PathElement::from("credentialSubject")) {
            return Err(QueryError {
                pointer,
                detail: format!(
                    "claim `{shown}`: an ldp_vc claim path starts with `credentialSubject`"
                ),
                claim: Some(shown),
            });
        }
        for t in &types {
            let Some(known) = t.profile() else {
                return Err(error(&pointer, format!("the profile of {t} is not loaded")));
            };
            if let Err(reason) = check_path(&known.profile, &claim.path[prefix..]) {
                return Err(QueryError {
                    pointer,
                    detail: format!("claim `{shown}` is not a claim of {t}: {reason}"),
                    claim: Some(shown),
                });
            }
        }
    }
    Ok(())
}

/// A claims path as text: `mother.givenName`, `children[0]`, `children[]`.
pub fn show_path(path: &[PathElement]) -> String {
    let mut out = String::new();
    for e in path {
        match e {
            PathElement::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathElement::Index(i) => out.push_str(&format!("[{i}]")),
            PathElement::All => out.push_str("[]"),
        }
    }
    out
}

enum At<'a> {
    Object(&'a ObjectType),
    List(&'a ObjectType),
    /// A language map or an amount: one more member name.
    Open,
    Leaf,
}

/// Whether `path` (below the subject) names a claim of `profile`.
fn check_path(profile: &Profile, path: &[PathElement]) -> Result<(), String> {
    let named = |type_name: &str| {
        profile
            .types
            .get(type_name)
            .ok_or_else(|| format!("the profile has no type `{type_name}`"))
    };
    let mut at = At::Object(&profile.subject);
    for element in path {
        at = match (at, element) {
            (At::Object(o), PathElement::Key(k)) => {
                if k == "type" && o.class.is_some() {
                    At::Leaf
                } else {
                    let field = o
                        .field(k)
                        .ok_or_else(|| format!("`{k}` is not a member of the {}", o.name))?;
                    match &field.kind {
                        Kind::Object { type_name, .. } => At::Object(named(type_name)?),
                        Kind::List { type_name, .. } => At::List(named(type_name)?),
                        Kind::LanguageMap | Kind::Amount => At::Open,
                        _ => At::Leaf,
                    }
                }
            }
            (At::List(o), PathElement::Index(_) | PathElement::All) => At::Object(o),
            (At::Open, PathElement::Key(_)) => At::Leaf,
            (At::Object(o), _) => return Err(format!("the {} is an object, not a list", o.name)),
            (At::List(o), PathElement::Key(k)) => {
                return Err(format!(
                    "`{k}`: a list of {} is indexed by number or null",
                    o.name
                ));
            }
            (At::Open | At::Leaf, _) => return Err("the path goes below a value".to_owned()),
        };
    }
    Ok(())
}
