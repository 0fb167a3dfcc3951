//! Claim paths: [`SdPath`], written `a.b`, `spouses[]`, `spouses[].nationalId` (the syntax of
//! civitas-profile's field paths; `[]` is every element of an array) or `children[0]` (one
//! element), and convertible from and to DCQL claims paths (`["spouses", null, "nationalId"]`).

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::error::SdJwtError;

/// The longest claim path text accepted.
pub const MAX_PATH_BYTES: usize = 1024;

/// One step of a claim path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SdStep {
    /// An object member.
    Key(String),
    /// Every element of an array (`[]`, DCQL `null`).
    Each,
    /// One element of an array (`[n]`, DCQL `n`): its position in the array as issued.
    Index(usize),
}

/// A path from the top of the claims to a claim, outermost step first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SdPath(pub Vec<SdStep>);

impl SdPath {
    /// Parses `a.b[].c` / `a[2]` (see the module documentation).
    pub fn parse(text: &str) -> Result<Self, SdJwtError> {
        let bad = |reason| SdJwtError::InvalidPath {
            text: text.chars().take(MAX_PATH_BYTES).collect(),
            reason,
        };
        if text.len() > MAX_PATH_BYTES {
            return Err(bad("longer than 1024 bytes"));
        }
        let mut steps = Vec::new();
        for part in text.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => part.split_at(i),
                None => (part, ""),
            };
            if key.is_empty() {
                return Err(bad("an empty member name"));
            }
            if key.contains(']') {
                return Err(bad("a `]` without `[`"));
            }
            steps.push(SdStep::Key(key.to_owned()));
            while !rest.is_empty() {
                let Some(inner) = rest.strip_prefix('[') else {
                    return Err(bad("text after `]` (use `.` before a member name)"));
                };
                let Some(end) = inner.find(']') else {
                    return Err(bad("a `[` without `]`"));
                };
                let index = &inner[..end];
                steps.push(if index.is_empty() {
                    SdStep::Each
                } else {
                    SdStep::Index(
                        index.parse().map_err(|_| {
                            bad("an array index that is not a non-negative integer")
                        })?,
                    )
                });
                rest = &inner[end + 1..];
            }
        }
        Ok(Self(steps))
    }

    /// Reads a DCQL claims path: strings (members), non-negative integers (array positions)
    /// and `null` (every element).
    pub fn from_claims_path(path: &[Value]) -> Result<Self, SdJwtError> {
        let text = || Value::Array(path.to_vec()).to_string();
        if path.is_empty() {
            return Err(SdJwtError::InvalidPath {
                text: text(),
                reason: "an empty claims path",
            });
        }
        path.iter()
            .map(|step| match step {
                Value::String(s) => Ok(SdStep::Key(s.clone())),
                Value::Null => Ok(SdStep::Each),
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .map(SdStep::Index)
                    .ok_or_else(|| SdJwtError::InvalidPath {
                        text: text(),
                        reason: "an array index that is not a non-negative integer",
                    }),
                _ => Err(SdJwtError::InvalidPath {
                    text: text(),
                    reason: "a step that is not a string, a non-negative integer or null",
                }),
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// This path as a DCQL claims path.
    pub fn to_claims_path(&self) -> Vec<Value> {
        self.0
            .iter()
            .map(|s| match s {
                SdStep::Key(k) => Value::String(k.clone()),
                SdStep::Each => Value::Null,
                SdStep::Index(i) => Value::from(*i),
            })
            .collect()
    }

    /// This path with `step` appended.
    pub fn child(&self, step: SdStep) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        Self(steps)
    }

    /// Whether `self` (a concrete path: keys and indexes) is matched by the pattern `pattern`
    /// (where `[]` matches any index).
    pub fn matches(&self, pattern: &SdPath) -> bool {
        self.0.len() == pattern.0.len()
            && self
                .0
                .iter()
                .zip(&pattern.0)
                .all(|(s, p)| step_matches(s, p))
    }
}

impl FromStr for SdPath {
    type Err = SdJwtError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for SdPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                SdStep::Key(k) if i == 0 => f.write_str(k)?,
                SdStep::Key(k) => write!(f, ".{k}")?,
                SdStep::Each => f.write_str("[]")?,
                SdStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Whether the pattern step `pattern` matches the concrete step `here` (a key or an index).
fn step_matches(here: &SdStep, pattern: &SdStep) -> bool {
    match (here, pattern) {
        (SdStep::Key(a), SdStep::Key(b)) => a == b,
        (SdStep::Index(_), SdStep::Each) => true,
        (SdStep::Index(a), SdStep::Index(b)) => a == b,
        _ => false,
    }
}

/// Descends the pattern paths `paths` through the concrete step `here`: the rests of those that
/// continue past it, and whether one of them ends at it.
pub(crate) fn descend<'a>(paths: &[&'a [SdStep]], here: &SdStep) -> (Vec<&'a [SdStep]>, bool) {
    let mut rests = Vec::new();
    let mut ends = false;
    for path in paths {
        if let Some((first, rest)) = path.split_first()
            && step_matches(here, first)
        {
            if rest.is_empty() {
                ends = true;
            } else {
                rests.push(rest);
            }
        }
    }
    (rests, ends)
}
