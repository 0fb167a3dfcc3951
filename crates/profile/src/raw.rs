//! The profile file as written (TOML), before it is checked. Values whose position an error
//! may name are `Spanned`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub(crate) type RawLabel = Spanned<BTreeMap<String, String>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    pub(crate) format: Spanned<u32>,
    pub(crate) document: Spanned<RawDocument>,
    pub(crate) vocabulary: RawVocabulary,
    pub(crate) subject: Spanned<RawType>,
    #[serde(default)]
    pub(crate) types: BTreeMap<Spanned<String>, Spanned<RawType>>,
    #[serde(default)]
    pub(crate) enums: BTreeMap<Spanned<String>, Spanned<RawEnum>>,
    #[serde(default)]
    pub(crate) rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    pub(crate) cv1: Option<Spanned<RawCv1>>,
    pub(crate) certificate: Spanned<RawCertificate>,
    #[serde(default)]
    pub(crate) sample: Option<Spanned<toml::Table>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDocument {
    #[serde(rename = "type")]
    pub(crate) type_name: Spanned<String>,
    pub(crate) version: Spanned<String>,
    pub(crate) label: Option<RawLabel>,
    pub(crate) context: Spanned<String>,
    pub(crate) schema: Spanned<String>,
    pub(crate) valid_for: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVocabulary {
    #[serde(default)]
    pub(crate) prefixes: BTreeMap<Spanned<String>, Spanned<String>>,
    pub(crate) terms: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawType {
    pub(crate) class: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) fields: Vec<Spanned<RawField>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    pub(crate) key: Spanned<String>,
    pub(crate) kind: Spanned<String>,
    #[serde(default)]
    pub(crate) required: bool,
    pub(crate) label: Option<RawLabel>,
    #[serde(rename = "type")]
    pub(crate) type_name: Option<Spanned<String>>,
    pub(crate) item: Option<Spanned<String>>,
    #[serde(rename = "enum")]
    pub(crate) enum_name: Option<Spanned<String>>,
    pub(crate) pattern: Option<Spanned<String>>,
    pub(crate) min_length: Option<Spanned<u64>>,
    pub(crate) max_length: Option<Spanned<u64>>,
    pub(crate) min: Option<Spanned<i64>>,
    pub(crate) max: Option<Spanned<i64>>,
    #[serde(default)]
    pub(crate) withhold: bool,
    pub(crate) ingest: Option<bool>,
    #[allow(dead_code)]
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnum {
    pub(crate) values: Vec<Spanned<RawEnumValue>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnumValue {
    pub(crate) code: Spanned<String>,
    pub(crate) label: Option<RawLabel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub(crate) rule: Spanned<String>,
    pub(crate) field: Option<Spanned<String>>,
    pub(crate) other: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) or_same: bool,
    pub(crate) fields: Option<Vec<Spanned<String>>>,
    pub(crate) by: Option<Spanned<Vec<Vec<String>>>>,
    pub(crate) max: Option<Spanned<u64>>,
    pub(crate) of: Option<Vec<Spanned<String>>>,
    pub(crate) minus: Option<Vec<Spanned<String>>>,
    pub(crate) total: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCv1 {
    pub(crate) document: Spanned<u64>,
    pub(crate) keys: BTreeMap<Spanned<String>, Spanned<u64>>,
    #[serde(default)]
    pub(crate) types: BTreeMap<Spanned<String>, Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCertificate {
    pub(crate) title: Option<RawLabel>,
    pub(crate) summary: Option<RawLabel>,
    #[serde(default)]
    pub(crate) sections: Vec<Spanned<RawSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSection {
    pub(crate) title: Option<RawLabel>,
    pub(crate) fields: Vec<Spanned<String>>,
}
