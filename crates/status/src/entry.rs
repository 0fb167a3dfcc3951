//! `BitstringStatusListEntry`: what a credential carries in `credentialStatus` to point at its
//! entry in a status list, and the status purposes.

use serde_json::{Map, Value, json};

use crate::bitstring::StatusSize;
use crate::error::StatusError;

/// The `type` of a status entry.
pub const ENTRY_TYPE: &str = "BitstringStatusListEntry";

/// What a status list (and an entry in it) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusPurpose {
    /// `revocation`: the credential is cancelled for good. Final: a revoked entry is never
    /// cleared.
    Revocation,
    /// `suspension`: the credential is not to be accepted for now. Can be lifted.
    Suspension,
    /// `message`: a multi-bit status whose values are explained by the entry's `statusMessage`.
    Message,
    /// `refresh`: a newer version of the credential is available.
    Refresh,
}

impl StatusPurpose {
    /// Every purpose.
    pub const ALL: [Self; 4] = [
        Self::Revocation,
        Self::Suspension,
        Self::Message,
        Self::Refresh,
    ];

    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
            Self::Message => "message",
            Self::Refresh => "refresh",
        }
    }

    /// Parses a purpose name.
    pub fn parse(value: &str) -> Result<Self, StatusError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == value)
            .ok_or_else(|| StatusError::UnknownPurpose {
                value: value.to_owned(),
            })
    }
}

impl std::fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StatusPurpose {
    type Err = StatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for StatusPurpose {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for StatusPurpose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// One element of `statusMessage`: what a status value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// The value (written as hexadecimal, `0x2`).
    pub status: u8,
    /// What it means.
    pub message: String,
}

impl StatusMessage {
    /// A message for `status`.
    pub fn new(status: u8, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// Parses `statusListIndex`: a non-negative integer written in base 10 (`"94567"`).
///
/// Rejected with [`StatusError::InvalidIndex`]: the empty string, signs (`-1`, `+1`),
/// anything that is not an ASCII digit (`1.0`, `0x10`, ` 7`), and values over `u64::MAX`.
pub fn parse_index(value: &str) -> Result<u64, StatusError> {
    let invalid = |reason| StatusError::InvalidIndex {
        value: value.to_owned(),
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty"));
    }
    if value.starts_with('-') {
        return Err(invalid("it is negative; indexes start at 0"));
    }
    // Digits checked and the number read in one pass; `None` once it no longer fits.
    let mut number = Some(0u64);
    for b in value.bytes() {
        if !b.is_ascii_digit() {
            return Err(invalid(
                "it must be a base-10 integer made of the digits 0-9 only",
            ));
        }
        number = number.and_then(|n| n.checked_mul(10)?.checked_add(u64::from(b - b'0')));
    }
    number.ok_or_else(|| invalid("it is too large"))
}

pub(crate) use civitas_core::credential::is_url;

fn parse_status_value(text: &str, size: StatusSize) -> Option<u8> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if hex.is_empty() || hex.len() > 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let value = u16::from_str_radix(hex, 16).ok()?;
    u8::try_from(value).ok().filter(|v| *v <= size.max_value())
}

/// A `credentialStatus` entry of type `BitstringStatusListEntry`.
///
/// ```
/// use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
///
/// let entry = BitstringStatusListEntry::new(
///     "https://registry.gov.example/status/revocation/1", 94567, StatusPurpose::Revocation);
/// let json = entry.to_json();
/// assert_eq!(json["statusListIndex"], "94567");
/// assert_eq!(json["id"], "https://registry.gov.example/status/revocation/1#94567");
/// assert_eq!(BitstringStatusListEntry::from_json(&json).unwrap(), entry);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusListEntry {
    /// The entry's `id` (civitas always writes one: `<list URL>#<index>`). Optional when read.
    pub id: Option<String>,
    /// `statusPurpose`.
    pub purpose: StatusPurpose,
    /// `statusListIndex`.
    pub index: u64,
    /// `statusListCredential`: the URL of the status list credential.
    pub list_credential: String,
    /// `statusSize` (1 when absent).
    pub size: StatusSize,
    /// `statusMessage`: what each value means (required when `size` > 1).
    pub messages: Vec<StatusMessage>,
    /// `statusReference`: URLs of material about the status.
    pub references: Vec<String>,
}

impl BitstringStatusListEntry {
    /// A one-bit entry at `index` of the list at `list_url`, with the id `<list_url>#<index>`.
    pub fn new(list_url: &str, index: u64, purpose: StatusPurpose) -> Self {
        Self {
            id: Some(format!("{list_url}#{index}")),
            purpose,
            index,
            list_credential: list_url.to_owned(),
            size: StatusSize::ONE,
            messages: Vec::new(),
            references: Vec::new(),
        }
    }

    /// A `message` entry of `size` bits with one message per possible value.
    pub fn message(
        list_url: &str,
        index: u64,
        size: StatusSize,
        messages: Vec<StatusMessage>,
    ) -> Result<Self, StatusError> {
        let entry = Self {
            size,
            messages,
            ..Self::new(list_url, index, StatusPurpose::Message)
        };
        check_messages(&entry.messages, size, true)?;
        Ok(entry)
    }

    /// Adds a `statusReference` URL.
    pub fn with_reference(mut self, url: &str) -> Self {
        self.references.push(url.to_owned());
        self
    }

    /// The message for `value`, if the entry has one.
    pub fn message_for(&self, value: u8) -> Option<&str> {
        message_in(&self.messages, value)
    }

    /// Reads an entry from JSON bytes (at most
    /// [`MAX_DOCUMENT_BYTES`](civitas_core::credential::MAX_DOCUMENT_BYTES)).
    pub fn parse(bytes: &[u8]) -> Result<Self, StatusError> {
        Self::from_json(&civitas_core::credential::parse_json(bytes)?)
    }

    /// Reads an entry from JSON, checking every member.
    pub fn from_json(value: &Value) -> Result<Self, StatusError> {
        EntryView::read(value, None).map(EntryView::into_owned)
    }

    /// The entry as JSON, ready for `credentialStatus`.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some(id) = &self.id {
            o.insert("id".into(), id.clone().into());
        }
        o.insert("type".into(), ENTRY_TYPE.into());
        o.insert("statusPurpose".into(), self.purpose.as_str().into());
        o.insert("statusListIndex".into(), self.index.to_string().into());
        o.insert(
            "statusListCredential".into(),
            self.list_credential.clone().into(),
        );
        if self.size != StatusSize::ONE {
            o.insert("statusSize".into(), json!(self.size.bits()));
        }
        if !self.messages.is_empty() {
            let messages: Vec<Value> = self
                .messages
                .iter()
                .map(|m| json!({"status": format!("{:#x}", m.status), "message": m.message}))
                .collect();
            o.insert("statusMessage".into(), Value::Array(messages));
        }
        match self.references.as_slice() {
            [] => {}
            [one] => {
                o.insert("statusReference".into(), one.clone().into());
            }
            many => {
                o.insert("statusReference".into(), many.to_vec().into());
            }
        }
        Value::Object(o)
    }
}

/// Whether a `type` value (a string or an array of strings) names [`ENTRY_TYPE`].
pub(crate) fn has_entry_type(types: &Value) -> bool {
    match types {
        Value::String(s) => s == ENTRY_TYPE,
        Value::Array(a) => a.iter().any(|t| t.as_str() == Some(ENTRY_TYPE)),
        _ => false,
    }
}

/// The names in a `type` value, comma-separated (`(none)` if there are none), for messages.
pub(crate) fn type_names(types: &Value) -> String {
    let names: Vec<&str> = civitas_core::credential::one_or_many(Some(types))
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}

/// The JSON pointer of the entry at `position` in `credentialStatus` (`""`: a lone entry).
fn entry_pointer(position: Option<usize>) -> String {
    position.map_or_else(String::new, |p| format!("/credentialStatus/{p}"))
}

/// The message for `value` among `messages`.
fn message_in(messages: &[StatusMessage], value: u8) -> Option<&str> {
    messages
        .iter()
        .find(|m| m.status == value)
        .map(|m| m.message.as_str())
}

/// A `credentialStatus` entry read in place: the members of a [`BitstringStatusListEntry`],
/// checked the same way, with its strings borrowed from the JSON. Checking a credential's
/// status reads its entries this way, without copying them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryView<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) purpose: StatusPurpose,
    pub(crate) index: u64,
    pub(crate) list_credential: &'a str,
    pub(crate) size: StatusSize,
    pub(crate) messages: Vec<StatusMessage>,
    pub(crate) references: Vec<&'a str>,
}

/// The members of a status entry that civitas reads, found in one pass over the object (one
/// string comparison per member, instead of one hashed lookup per name).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Members<'a> {
    pub(crate) id: Option<&'a Value>,
    pub(crate) types: Option<&'a Value>,
    pub(crate) purpose: Option<&'a Value>,
    pub(crate) index: Option<&'a Value>,
    pub(crate) list: Option<&'a Value>,
    pub(crate) size: Option<&'a Value>,
    pub(crate) messages: Option<&'a Value>,
    pub(crate) references: Option<&'a Value>,
}

impl<'a> Members<'a> {
    /// The members of `obj`.
    pub(crate) fn of(obj: &'a Map<String, Value>) -> Self {
        let mut m = Self::default();
        for (key, value) in obj {
            let slot = match key.as_str() {
                "id" => &mut m.id,
                "type" => &mut m.types,
                "statusPurpose" => &mut m.purpose,
                "statusListIndex" => &mut m.index,
                "statusListCredential" => &mut m.list,
                "statusSize" => &mut m.size,
                "statusMessage" => &mut m.messages,
                "statusReference" => &mut m.references,
                _ => continue,
            };
            *slot = Some(value);
        }
        m
    }
}

impl<'a> EntryView<'a> {
    /// Reads and checks `value` like [`BitstringStatusListEntry::from_json`]. `position`: the
    /// entry's place in `credentialStatus`, for the JSON pointers of errors (`None`: the entry
    /// stands alone). Pointers are only written when there is an error.
    pub(crate) fn read(value: &'a Value, position: Option<usize>) -> Result<Self, StatusError> {
        match value.as_object() {
            Some(obj) => Self::from_members(Members::of(obj), position),
            None => Err(StatusError::field(
                &entry_pointer(position),
                "a status entry must be a JSON object",
            )),
        }
    }

    /// [`read`](Self::read) for the members of an object.
    pub(crate) fn from_members(
        obj: Members<'a>,
        position: Option<usize>,
    ) -> Result<Self, StatusError> {
        let ptr = |k: &str| format!("{}/{k}", entry_pointer(position));
        match obj.types {
            Some(t @ (Value::String(_) | Value::Array(_))) => {
                if !has_entry_type(t) {
                    return Err(StatusError::field(
                        &ptr("type"),
                        format!("is {}, not {ENTRY_TYPE}", type_names(t)),
                    ));
                }
            }
            _ => {
                return Err(StatusError::field(
                    &ptr("type"),
                    format!("is required and must be `{ENTRY_TYPE}`"),
                ));
            }
        }
        let purpose = match obj.purpose {
            Some(Value::String(s)) => StatusPurpose::parse(s)?,
            Some(_) => {
                return Err(StatusError::field(
                    &ptr("statusPurpose"),
                    "must be a string",
                ));
            }
            None => return Err(StatusError::field(&ptr("statusPurpose"), "is required")),
        };
        let index = match obj.index {
            Some(Value::String(s)) => parse_index(s)?,
            Some(other) => {
                return Err(StatusError::InvalidIndex {
                    value: other.to_string(),
                    reason: "it must be a string of base-10 digits (e.g. \"94567\"), not a JSON number or other value",
                });
            }
            None => return Err(StatusError::field(&ptr("statusListIndex"), "is required")),
        };
        let list_credential = match obj.list {
            Some(Value::String(s)) if is_url(s) => s.as_str(),
            Some(_) => {
                return Err(StatusError::field(
                    &ptr("statusListCredential"),
                    "must be a URL",
                ));
            }
            None => {
                return Err(StatusError::field(
                    &ptr("statusListCredential"),
                    "is required",
                ));
            }
        };
        let id = match obj.id {
            None => None,
            Some(Value::String(s)) if is_url(s) => {
                if s == list_credential {
                    return Err(StatusError::field(
                        &ptr("id"),
                        "must not be the URL of the status list (use e.g. <list URL>#<index>)",
                    ));
                }
                Some(s.as_str())
            }
            Some(_) => return Err(StatusError::field(&ptr("id"), "must be a URL")),
        };
        let size = match obj.size {
            None => StatusSize::ONE,
            Some(v) => v
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .ok_or(())
                .and_then(|n| StatusSize::new(n).map_err(|_| ()))
                .map_err(|()| StatusError::InvalidStatusSize {
                    value: v.to_string(),
                })?,
        };
        let messages = match obj.messages {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len().min(256));
                for (i, item) in items.iter().enumerate() {
                    let status = item.get("status").and_then(Value::as_str);
                    let message = item.get("message").and_then(Value::as_str);
                    let (Some(status), Some(message)) = (status, message) else {
                        return Err(StatusError::InvalidStatusMessage {
                            reason: format!(
                                "element {i} must be an object with a string `status` (e.g. \"0x1\") and a string `message`"
                            ),
                        });
                    };
                    let value = parse_status_value(status, size).ok_or_else(|| {
                        StatusError::InvalidStatusMessage {
                            reason: format!(
                                "element {i}: status `{status}` is not a hexadecimal value (0x0 to {:#x}) that fits statusSize {size}",
                                size.max_value()
                            ),
                        }
                    })?;
                    out.push(StatusMessage::new(value, message));
                }
                out
            }
            Some(_) => {
                return Err(StatusError::InvalidStatusMessage {
                    reason: "must be an array".into(),
                });
            }
        };
        check_messages(&messages, size, false)?;
        let references = match obj.references {
            None => Vec::new(),
            Some(Value::String(s)) if is_url(s) => vec![s.as_str()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v.as_str() {
                    Some(s) if is_url(s) => Ok(s),
                    _ => Err(StatusError::field(
                        &ptr("statusReference"),
                        "must be a URL or an array of URLs",
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(StatusError::field(
                    &ptr("statusReference"),
                    "must be a URL or an array of URLs",
                ));
            }
        };
        Ok(Self {
            id,
            purpose,
            index,
            list_credential,
            size,
            messages,
            references,
        })
    }

    /// The message for `value`, if the entry has one.
    pub(crate) fn message_for(&self, value: u8) -> Option<&str> {
        message_in(&self.messages, value)
    }

    /// The entry, owning its strings.
    pub(crate) fn into_owned(self) -> BitstringStatusListEntry {
        BitstringStatusListEntry {
            id: self.id.map(str::to_owned),
            purpose: self.purpose,
            index: self.index,
            list_credential: self.list_credential.to_owned(),
            size: self.size,
            messages: self.messages,
            references: self.references.into_iter().map(str::to_owned).collect(),
        }
    }
}

/// `statusMessage` is required when `statusSize` > 1 (and `always` asks for it at size 1 too);
/// when present it has one element per possible value, each value once.
fn check_messages(
    messages: &[StatusMessage],
    size: StatusSize,
    always: bool,
) -> Result<(), StatusError> {
    if messages.is_empty() {
        if size.bits() > 1 || always {
            return Err(StatusError::InvalidStatusMessage {
                reason: format!(
                    "statusSize {size} needs a statusMessage with {} elements, one per possible value",
                    size.values()
                ),
            });
        }
        return Ok(());
    }
    if messages.len() != usize::from(size.values()) {
        return Err(StatusError::InvalidStatusMessage {
            reason: format!(
                "has {} elements, but statusSize {size} has {} possible values",
                messages.len(),
                size.values()
            ),
        });
    }
    let mut seen = [false; 256];
    for m in messages {
        let slot = &mut seen[usize::from(m.status)];
        if *slot {
            return Err(StatusError::InvalidStatusMessage {
                reason: format!("status {:#x} appears twice", m.status),
            });
        }
        *slot = true;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_strict_base_10() {
        assert_eq!(parse_index("0").unwrap(), 0);
        assert_eq!(parse_index("94567").unwrap(), 94567);
        for bad in ["", "-1", "+1", "1.0", "0x10", " 7", "7 ", "1e3", "١"] {
            assert!(
                matches!(parse_index(bad), Err(StatusError::InvalidIndex { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_index("18446744073709551616"),
            Err(StatusError::InvalidIndex {
                reason: "it is too large",
                ..
            })
        ));
        assert_eq!(parse_index("18446744073709551615").ok(), Some(u64::MAX));
        assert_eq!(parse_index("000123").ok(), Some(123));
        // A letter after too many digits is still reported as a letter.
        assert!(matches!(
            parse_index("99999999999999999999999x"),
            Err(StatusError::InvalidIndex {
                reason: "it must be a base-10 integer made of the digits 0-9 only",
                ..
            })
        ));
        // The same numbers as the standard parser, around every power of ten.
        for p in 0..20u32 {
            for n in [
                10u64.pow(p).saturating_sub(1),
                10u64.pow(p),
                10u64.pow(p) + 7,
            ] {
                assert_eq!(parse_index(&n.to_string()).ok(), Some(n));
            }
        }
    }

    #[test]
    fn message_entries_round_trip() {
        let two = StatusSize::new(2).unwrap();
        let messages = vec![
            StatusMessage::new(0, "valid"),
            StatusMessage::new(1, "under review"),
            StatusMessage::new(2, "superseded"),
            StatusMessage::new(3, "cancelled"),
        ];
        let entry = BitstringStatusListEntry::message("https://s.example/m/1", 7, two, messages)
            .unwrap()
            .with_reference("https://registry.gov.example/status-codes");
        let json = entry.to_json();
        assert_eq!(json["statusSize"], 2);
        assert_eq!(json["statusMessage"][3]["status"], "0x3");
        let back = BitstringStatusListEntry::from_json(&json).unwrap();
        assert_eq!(back, entry);
        assert_eq!(back.message_for(2), Some("superseded"));
    }
}
