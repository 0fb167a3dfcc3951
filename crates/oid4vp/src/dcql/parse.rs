//! Validation of a DCQL query from JSON, member by member, with a JSON pointer in every error.

use serde_json::{Map, Value};

use super::{
    ClaimsQuery, CredentialQuery, CredentialSetQuery, DcqlQuery, FORMAT_JWT_VC_JSON, FORMAT_LDP_VC,
    FORMAT_MSO_MDOC, FORMAT_SD_JWT, Meta, PathElement, TrustedAuthority,
};
use crate::error::{DcqlError, DcqlProblem, clip};
use crate::limits::{
    MAX_CLAIMS_PER_QUERY, MAX_CREDENTIAL_QUERIES, MAX_ID_BYTES, MAX_PATH_ELEMENTS, MAX_VALUES,
};

type Result<T> = std::result::Result<T, DcqlError>;

fn err<T>(pointer: &str, problem: DcqlProblem) -> Result<T> {
    Err(DcqlError::new(pointer, problem))
}

fn object<'a>(value: &'a Value, pointer: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| DcqlError::new(pointer, DcqlProblem::NotAnObject))
}

/// A non-empty array of at most `max` entries.
fn array<'a>(value: &'a Value, pointer: &str, max: usize) -> Result<&'a [Value]> {
    let list = value
        .as_array()
        .ok_or_else(|| DcqlError::new(pointer, DcqlProblem::NotAnArray))?;
    if list.is_empty() {
        return err(pointer, DcqlProblem::Empty);
    }
    if list.len() > max {
        return err(
            pointer,
            DcqlProblem::TooMany {
                count: list.len(),
                max,
            },
        );
    }
    Ok(list)
}

fn string(value: &Value, pointer: &str) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| DcqlError::new(pointer, DcqlProblem::NotAString))
}

fn strings(value: &Value, pointer: &str) -> Result<Vec<String>> {
    array(value, pointer, MAX_VALUES)?
        .iter()
        .enumerate()
        .map(|(i, v)| string(v, &format!("{pointer}/{i}")))
        .collect()
}

fn boolean(map: &Map<String, Value>, name: &str, pointer: &str, default: bool) -> Result<bool> {
    match map.get(name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => err(&format!("{pointer}/{name}"), DcqlProblem::NotABoolean),
    }
}

fn required<'a>(map: &'a Map<String, Value>, name: &str, pointer: &str) -> Result<&'a Value> {
    map.get(name)
        .ok_or_else(|| DcqlError::new(format!("{pointer}/{name}"), DcqlProblem::Missing))
}

fn identifier(value: &Value, pointer: &str) -> Result<String> {
    let id = string(value, pointer)?;
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return err(
            pointer,
            DcqlProblem::InvalidId {
                id: clip(&id, MAX_ID_BYTES),
            },
        );
    }
    Ok(id)
}

pub(super) fn query(value: &Value) -> Result<DcqlQuery> {
    let map = object(value, "")?;
    let list = array(
        required(map, "credentials", "")?,
        "/credentials",
        MAX_CREDENTIAL_QUERIES,
    )?;
    let mut credentials: Vec<CredentialQuery> = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let pointer = format!("/credentials/{i}");
        let c = credential(c, &pointer)?;
        if credentials.iter().any(|other| other.id == c.id) {
            return err(
                &format!("{pointer}/id"),
                DcqlProblem::DuplicateId { id: c.id },
            );
        }
        credentials.push(c);
    }
    let credential_sets = match map.get("credential_sets") {
        None => None,
        Some(sets) => {
            let sets = array(sets, "/credential_sets", MAX_CREDENTIAL_QUERIES)?;
            let mut out = Vec::with_capacity(sets.len());
            for (i, s) in sets.iter().enumerate() {
                out.push(credential_set(
                    s,
                    &format!("/credential_sets/{i}"),
                    &credentials,
                )?);
            }
            Some(out)
        }
    };
    Ok(DcqlQuery {
        credentials,
        credential_sets,
    })
}

fn credential_set(
    value: &Value,
    pointer: &str,
    credentials: &[CredentialQuery],
) -> Result<CredentialSetQuery> {
    let map = object(value, pointer)?;
    let options_pointer = format!("{pointer}/options");
    let list = array(
        required(map, "options", pointer)?,
        &options_pointer,
        MAX_CLAIMS_PER_QUERY,
    )?;
    let mut options = Vec::with_capacity(list.len());
    for (i, option) in list.iter().enumerate() {
        let option_pointer = format!("{options_pointer}/{i}");
        let ids = array(option, &option_pointer, MAX_CREDENTIAL_QUERIES)?;
        let mut out = Vec::with_capacity(ids.len());
        for (j, v) in ids.iter().enumerate() {
            let p = format!("{option_pointer}/{j}");
            let id = identifier(v, &p)?;
            if !credentials.iter().any(|c| c.id == id) {
                return err(&p, DcqlProblem::UnknownCredentialId { id });
            }
            out.push(id);
        }
        options.push(out);
    }
    Ok(CredentialSetQuery {
        options,
        required: boolean(map, "required", pointer, true)?,
    })
}

fn known_format(format: &str) -> Option<&'static str> {
    [
        FORMAT_SD_JWT,
        FORMAT_LDP_VC,
        FORMAT_JWT_VC_JSON,
        FORMAT_MSO_MDOC,
    ]
    .into_iter()
    .find(|f| *f == format)
}

fn credential(value: &Value, pointer: &str) -> Result<CredentialQuery> {
    let map = object(value, pointer)?;
    let id = identifier(required(map, "id", pointer)?, &format!("{pointer}/id"))?;
    let format_pointer = format!("{pointer}/format");
    let format = string(required(map, "format", pointer)?, &format_pointer)?;
    let Some(known) = known_format(&format) else {
        return err(
            &format_pointer,
            DcqlProblem::UnknownFormat {
                format: clip(&format, MAX_ID_BYTES),
            },
        );
    };
    let meta = meta(
        required(map, "meta", pointer)?,
        &format!("{pointer}/meta"),
        known,
    )?;
    let claims = match map.get("claims") {
        None => None,
        Some(list) => {
            let claims_pointer = format!("{pointer}/claims");
            let list = array(list, &claims_pointer, MAX_CLAIMS_PER_QUERY)?;
            let mut out: Vec<ClaimsQuery> = Vec::with_capacity(list.len());
            for (i, c) in list.iter().enumerate() {
                let p = format!("{claims_pointer}/{i}");
                let claim = claims_query(c, &p)?;
                if let Some(cid) = &claim.id
                    && out.iter().any(|o| o.id.as_ref() == Some(cid))
                {
                    return err(
                        &format!("{p}/id"),
                        DcqlProblem::DuplicateId { id: cid.clone() },
                    );
                }
                out.push(claim);
            }
            Some(out)
        }
    };
    let claim_sets = match map.get("claim_sets") {
        None => None,
        Some(sets) => {
            let sets_pointer = format!("{pointer}/claim_sets");
            let Some(claims) = &claims else {
                return err(&sets_pointer, DcqlProblem::ClaimSetsWithoutClaims);
            };
            if let Some(i) = claims.iter().position(|c| c.id.is_none()) {
                return err(
                    &format!("{pointer}/claims/{i}"),
                    DcqlProblem::ClaimIdRequired,
                );
            }
            let sets = array(sets, &sets_pointer, MAX_CLAIMS_PER_QUERY)?;
            let mut out = Vec::with_capacity(sets.len());
            for (i, set) in sets.iter().enumerate() {
                let set_pointer = format!("{sets_pointer}/{i}");
                let ids = array(set, &set_pointer, MAX_CLAIMS_PER_QUERY)?;
                let mut ids_out = Vec::with_capacity(ids.len());
                for (j, v) in ids.iter().enumerate() {
                    let p = format!("{set_pointer}/{j}");
                    let cid = identifier(v, &p)?;
                    if !claims.iter().any(|c| c.id.as_ref() == Some(&cid)) {
                        return err(&p, DcqlProblem::UnknownClaimId { id: cid });
                    }
                    ids_out.push(cid);
                }
                out.push(ids_out);
            }
            Some(out)
        }
    };
    let trusted_authorities = match map.get("trusted_authorities") {
        None => None,
        Some(list) => {
            let ta_pointer = format!("{pointer}/trusted_authorities");
            let list = array(list, &ta_pointer, MAX_VALUES)?;
            let mut out = Vec::with_capacity(list.len());
            for (i, ta) in list.iter().enumerate() {
                let p = format!("{ta_pointer}/{i}");
                let m = object(ta, &p)?;
                out.push(TrustedAuthority {
                    kind: string(required(m, "type", &p)?, &format!("{p}/type"))?,
                    values: strings(required(m, "values", &p)?, &format!("{p}/values"))?,
                });
            }
            Some(out)
        }
    };
    Ok(CredentialQuery {
        id,
        format,
        meta,
        claims,
        claim_sets,
        multiple: boolean(map, "multiple", pointer, false)?,
        require_cryptographic_holder_binding: boolean(
            map,
            "require_cryptographic_holder_binding",
            pointer,
            true,
        )?,
        trusted_authorities,
    })
}

fn meta(value: &Value, pointer: &str, format: &'static str) -> Result<Meta> {
    let map = object(value, pointer)?;
    let mut meta = Meta::default();
    for (name, v) in map {
        let p = format!("{pointer}/{name}");
        match name.as_str() {
            "vct_values" => meta.vct_values = Some(strings(v, &p)?),
            "type_values" => {
                let sets = array(v, &p, MAX_VALUES)?;
                let mut out = Vec::with_capacity(sets.len());
                for (i, set) in sets.iter().enumerate() {
                    out.push(strings(set, &format!("{p}/{i}"))?);
                }
                meta.type_values = Some(out);
            }
            "doctype_value" => meta.doctype_value = Some(string(v, &p)?),
            _ => {
                meta.other.insert(name.clone(), v.clone());
            }
        }
    }
    let (member, present) = match format {
        FORMAT_SD_JWT => ("vct_values", meta.vct_values.is_some()),
        FORMAT_MSO_MDOC => ("doctype_value", meta.doctype_value.is_some()),
        _ => ("type_values", meta.type_values.is_some()),
    };
    if !present {
        return err(pointer, DcqlProblem::MissingMeta { format, member });
    }
    Ok(meta)
}

fn claims_query(value: &Value, pointer: &str) -> Result<ClaimsQuery> {
    let map = object(value, pointer)?;
    let id = match map.get("id") {
        None => None,
        Some(v) => Some(identifier(v, &format!("{pointer}/id"))?),
    };
    let path_pointer = format!("{pointer}/path");
    let list = array(
        required(map, "path", pointer)?,
        &path_pointer,
        MAX_PATH_ELEMENTS,
    )?;
    let mut path = Vec::with_capacity(list.len());
    for (i, element) in list.iter().enumerate() {
        path.push(match element {
            Value::String(k) => PathElement::Key(k.clone()),
            Value::Null => PathElement::All,
            Value::Number(n) => match n.as_u64() {
                Some(i) => PathElement::Index(i),
                None => {
                    return err(
                        &format!("{path_pointer}/{i}"),
                        DcqlProblem::InvalidPathElement,
                    );
                }
            },
            _ => {
                return err(
                    &format!("{path_pointer}/{i}"),
                    DcqlProblem::InvalidPathElement,
                );
            }
        });
    }
    let values = match map.get("values") {
        None => None,
        Some(v) => {
            let p = format!("{pointer}/values");
            let list = array(v, &p, MAX_VALUES)?;
            for (i, v) in list.iter().enumerate() {
                let ok = v.is_string() || v.is_boolean() || v.is_i64() || v.is_u64();
                if !ok {
                    return err(&format!("{p}/{i}"), DcqlProblem::InvalidValue);
                }
            }
            Some(list.to_vec())
        }
    };
    let intent_to_retain = match map.get("intent_to_retain") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return err(
                &format!("{pointer}/intent_to_retain"),
                DcqlProblem::NotABoolean,
            );
        }
    };
    Ok(ClaimsQuery {
        id,
        path,
        values,
        intent_to_retain,
    })
}
