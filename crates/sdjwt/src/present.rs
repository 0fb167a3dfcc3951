//! Presenting: [`select`] keeps only the disclosures needed for some claims, and
//! [`with_key_binding`] appends a KB-JWT signed by the holder.
//!
//! The selection rule: revealing a path selects the disclosure of the claim it names and the
//! disclosures of every disclosable claim on the way to it (revealing `mother.nationalId`
//! selects `mother` too). A revealed object or array comes with its members that were issued
//! in plain, but not with its own selectively disclosable members: those must be asked for
//! (`mother` does not reveal `mother.nationalId`; `children[]` reveals every child, and
//! `children[].name` also each child's disclosable name). A path that names nothing selects
//! nothing. Array positions (`children[1]`) count the elements as issued.

use serde_json::{Map, Value};

use crate::error::SdJwtError;
use crate::path::{SdPath, SdStep, descend};
use crate::verify::{MAX_DEPTH, SdJwt, parse, sd_hash};
use crate::{KB_JWT_TYPE, jws};
use civitas_keys::signer::Signer;

/// The SD-JWT `sd_jwt` (without key binding) with only the disclosures needed to reveal the
/// claims at `reveal` (see the module documentation for the rule).
pub fn select(sd_jwt: &str, reveal: &[SdPath]) -> Result<String, SdJwtError> {
    let sd = parse(sd_jwt)?;
    if sd.kb_jwt.is_some() {
        return Err(SdJwtError::UnexpectedKeyBinding {
            reason: "select takes an SD-JWT without key binding",
        });
    }
    let patterns: Vec<&[SdStep]> = reveal.iter().map(|p| p.0.as_slice()).collect();
    let mut selector = Selector {
        sd: &sd,
        digests: sd.disclosures.iter().map(|d| d.digest()).collect(),
        selected: vec![false; sd.disclosures.len()],
    };
    selector.object(&sd.payload, &patterns, 0)?;
    let mut out = sd.issuer_jwt.clone();
    out.push('~');
    for (d, selected) in sd.disclosures.iter().zip(&selector.selected) {
        if *selected {
            out.push_str(&d.encoded);
            out.push('~');
        }
    }
    Ok(out)
}

/// [`select`] with DCQL claims paths (`["mother", "nationalId"]`, `["children", null]`).
pub fn select_claims_paths(sd_jwt: &str, reveal: &[Vec<Value>]) -> Result<String, SdJwtError> {
    let paths = reveal
        .iter()
        .map(|p| SdPath::from_claims_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    select(sd_jwt, &paths)
}

struct Selector<'a> {
    sd: &'a SdJwt,
    digests: Vec<String>,
    selected: Vec<bool>,
}

impl Selector<'_> {
    /// The index of the not yet selected disclosure `digest` references.
    fn find(&self, digest: &Value) -> Option<usize> {
        let digest = digest.as_str()?;
        self.digests
            .iter()
            .position(|d| d == digest)
            .filter(|&i| !self.selected[i])
    }

    fn object(
        &mut self,
        map: &Map<String, Value>,
        patterns: &[&[SdStep]],
        depth: usize,
    ) -> Result<(), SdJwtError> {
        if patterns.is_empty() {
            return Ok(());
        }
        self.guard(depth)?;
        for (k, v) in map {
            if k != "_sd" {
                let (rests, _) = descend(patterns, &SdStep::Key(k.clone()));
                self.value(v, &rests, depth + 1)?;
            }
        }
        let digests = map.get("_sd").and_then(Value::as_array);
        for digest in digests.into_iter().flatten() {
            let Some(i) = self.find(digest) else { continue };
            let sd = self.sd;
            let Some(name) = &sd.disclosures[i].name else {
                continue;
            };
            let (rests, ends) = descend(patterns, &SdStep::Key(name.clone()));
            if ends || !rests.is_empty() {
                self.selected[i] = true;
                self.value(&sd.disclosures[i].value, &rests, depth + 1)?;
            }
        }
        Ok(())
    }

    fn value(
        &mut self,
        value: &Value,
        patterns: &[&[SdStep]],
        depth: usize,
    ) -> Result<(), SdJwtError> {
        if patterns.is_empty() {
            return Ok(());
        }
        match value {
            Value::Object(map) => self.object(map, patterns, depth),
            Value::Array(items) => {
                self.guard(depth)?;
                for (i, item) in items.iter().enumerate() {
                    let (rests, ends) = descend(patterns, &SdStep::Index(i));
                    let reference = item
                        .as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("..."));
                    match reference {
                        Some(digest) => {
                            let Some(d) = self.find(digest) else { continue };
                            let sd = self.sd;
                            if sd.disclosures[d].name.is_none() && (ends || !rests.is_empty()) {
                                self.selected[d] = true;
                                self.value(&sd.disclosures[d].value, &rests, depth + 1)?;
                            }
                        }
                        None => self.value(item, &rests, depth + 1)?,
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn guard(&self, depth: usize) -> Result<(), SdJwtError> {
        if depth >= MAX_DEPTH {
            Err(SdJwtError::TooDeep {
                path: "the selected claims".into(),
                max: MAX_DEPTH,
            })
        } else {
            Ok(())
        }
    }
}

/// `presentation` (ending with `~`) with a KB-JWT signed by `holder` appended: header
/// `{alg, typ: kb+jwt}`, payload `{iat, aud, nonce, sd_hash}`.
pub async fn with_key_binding(
    presentation: &str,
    holder: &dyn Signer,
    aud: &str,
    nonce: &str,
    iat: i64,
) -> Result<String, SdJwtError> {
    let sd = parse(presentation)?;
    if sd.kb_jwt.is_some() {
        return Err(SdJwtError::UnexpectedKeyBinding {
            reason: "the presentation already has a KB-JWT",
        });
    }
    let mut payload = Map::new();
    payload.insert("iat".into(), iat.into());
    payload.insert("aud".into(), aud.into());
    payload.insert("nonce".into(), nonce.into());
    payload.insert("sd_hash".into(), sd_hash(&sd.presented).into());
    let kb = jws::sign(KB_JWT_TYPE, None, &payload, holder).await?;
    Ok(format!("{}{kb}", sd.presented))
}
