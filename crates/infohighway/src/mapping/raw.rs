//! The mapping file as written (TOML), before it is checked and compiled.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMapping {
    pub(super) format: Spanned<u32>,
    pub(super) document: Spanned<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    pub(super) record: RawRecord,
    #[serde(default)]
    pub(super) defaults: RawDefaults,
    #[serde(default)]
    pub(super) csv: RawCsv,
    #[serde(default)]
    pub(super) codes: BTreeMap<Spanned<String>, Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    pub(super) fields: BTreeMap<Spanned<String>, Spanned<RawRule>>,
    #[serde(default)]
    pub(super) each: BTreeMap<Spanned<String>, Spanned<RawEach>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecord {
    pub(super) id: Spanned<RawRule>,
    #[serde(default)]
    pub(super) version: Option<Spanned<RawRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefaults {
    #[serde(default)]
    pub(super) date_format: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    pub(super) time_format: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    pub(super) trim: Option<bool>,
    #[serde(default)]
    pub(super) empty: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCsv {
    #[serde(default)]
    pub(super) delimiter: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) headers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s],
            Self::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Case {
    Upper,
    Lower,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    #[serde(default)]
    pub(super) from: Option<OneOrMany>,
    #[serde(default)]
    pub(super) value: Option<String>,
    #[serde(default)]
    pub(super) template: Option<String>,
    #[serde(default)]
    pub(super) languages: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub(super) default: Option<String>,
    #[serde(default)]
    pub(super) code: Option<String>,
    #[serde(default)]
    pub(super) date: Option<OneOrMany>,
    #[serde(default)]
    pub(super) time: Option<OneOrMany>,
    #[serde(default)]
    pub(super) case: Option<Case>,
    #[serde(default)]
    pub(super) when: Option<String>,
    #[serde(default)]
    pub(super) required: Option<bool>,
    #[serde(default)]
    pub(super) collapse: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEach {
    pub(super) from: String,
    #[serde(default)]
    pub(super) max: Option<usize>,
    pub(super) fields: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}
