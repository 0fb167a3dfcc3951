//! Printable certificates: any document type civitas knows a profile for (birth, marriage and
//! death certificates, driving licence, academic certificate, payslip, vaccination certificate,
//! or a profile loaded at run time) laid out on one A4 portrait page with bilingual labels
//! (English / French), the QR code of the compact credential at the bottom right, the credential
//! id and a short "how to verify" line.
//!
//! The layout derives entirely from the type's profile ([`civitas_core::profile`]): the title
//! is the profile's `[certificate] title`, the registration number (a field whose path ends in
//! `registrationNumber`, if the type has one) goes in the header, and each
//! `[[certificate.sections]]` is a section with one row per field: the field's label in English
//! and French, and its value written by its kind — a language map as its texts (`John / Jean`),
//! a date in both languages, an enumeration code as its label (`Female / Féminin`), a place as
//! `name, locality, district, country`, a person as its full name, an amount as
//! `value currency`; a missing value is a dash. Fields of the items of a list
//! (`spouses[].givenName`) are laid out side by side, one column per item (one block per item
//! when there are more than three); a list named whole (`witnesses`) is one line per person, or
//! its items' fields, item by item.
//!
//! One SVG layout is the source of every format: SVG (text converted to outlines, so it looks
//! the same everywhere), PDF (svg2pdf: real, selectable text with the fonts embedded) and PNG
//! (resvg). Text is set in DejaVu Sans, bundled with the crate: nothing depends on the fonts of
//! the machine, so the output is the same on every machine, offline.
//!
//! ```
//! use civitas_qr::compact;
//! use civitas_core::credential::CredentialBuilder;
//! use civitas_core::model::{DocumentType, sample};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, signer::LocalSigner};
//! use civitas_render::certificate::{Format, render};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let kind = DocumentType::named("birth")?;
//! let subject = sample(&kind).ok_or("no sample")?;
//! let credential = CredentialBuilder::new(signer.controller())
//!     .document(&kind, subject)
//!     .build()?;
//! let qr_text = compact::encode(&credential, &signer).await?;
//! let pdf = render(credential.json(), &qr_text, Format::Pdf)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::sync::{Arc, OnceLock};

use chrono::{NaiveDate, NaiveTime};
use civitas_core::credential::Credential;
use civitas_core::profile::{FieldPath, Kind, Label, Profile, Role, Section, Segment};
use civitas_qr::compact;
use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};
use serde_json::Value;

use civitas_qr::{EcLevel, QUIET_ZONE, QrError, QrSymbol};

/// DejaVu Sans (Bitstream Vera licence: `fonts/LICENSE-DejaVu.txt`).
pub const FONT_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub const FONT_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
/// The font family every text uses.
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// Page width, mm (A4 portrait).
pub const PAGE_WIDTH_MM: f32 = 210.0;
/// Page height, mm.
pub const PAGE_HEIGHT_MM: f32 = 297.0;
/// Side of the printed QR code with its quiet zone, mm.
pub const QR_SIDE_MM: f32 = 48.0;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// SVG, text as outlines.
    Svg,
    /// PDF, one A4 page, fonts embedded.
    Pdf,
    /// PNG, at [`RenderOptions::png_dpi`].
    Png,
}

impl std::str::FromStr for Format {
    type Err = RenderError;
    fn from_str(s: &str) -> Result<Self, RenderError> {
        match s.to_ascii_lowercase().as_str() {
            "svg" => Ok(Self::Svg),
            "pdf" => Ok(Self::Pdf),
            "png" => Ok(Self::Png),
            _ => Err(RenderError::Format(s.to_owned())),
        }
    }
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Pdf => "pdf",
            Self::Png => "png",
        }
    }
}

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Error-correction level of the QR code (default M: see [`civitas_qr::symbol`]).
    pub ec_level: EcLevel,
    /// Resolution of PNG output, dots per inch (default 200; 72 to 600).
    pub png_dpi: u32,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            ec_level: EcLevel::M,
            png_dpi: 200,
        }
    }
}

/// Why a certificate could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// Not a credential.
    #[error("not a credential: {0}")]
    Credential(String),
    /// A credential, but not of a document type civitas knows a profile for.
    #[error("not a document type civitas knows a profile for (types: {0})")]
    NotACertificate(String),
    /// The subject cannot be read as a record (it is not a JSON object).
    #[error("credentialSubject: {0}")]
    Subject(String),
    /// The QR text cannot be read.
    #[error("the QR text is not a compact credential: {0}")]
    Compact(String),
    /// The QR text carries other claims than the credential printed above it.
    #[error(
        "the QR text does not carry this credential's claims (a QR made for another credential?)"
    )]
    Mismatch,
    /// The QR code cannot be made.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// An unknown format name.
    #[error("`{0}` is not an output format (svg, pdf, png)")]
    Format(String),
    /// The PNG resolution is out of range.
    #[error("PNG resolution {0} dpi is out of range (72 to 600)")]
    Dpi(u32),
    /// The layout could not be converted (a bug: the layout is generated).
    #[error("rendering failed: {0}")]
    Backend(String),
}

/// A rendered certificate and the QR code printed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The QR code's version.
    pub qr_version: u8,
    /// The QR code's error-correction level.
    pub qr_ec_level: EcLevel,
}

/// Renders `credential` (its JSON, secured or not) with the QR code of `compact_text` (the
/// compact form of the same credential: checked).
pub fn render(
    credential: &Value,
    compact_text: &str,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    Ok(render_with(credential, compact_text, format, &RenderOptions::default())?.bytes)
}

/// [`render`] with options, also reporting the QR version and level.
pub fn render_with(
    credential: &Value,
    compact_text: &str,
    format: Format,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    if !(72..=600).contains(&options.png_dpi) {
        return Err(RenderError::Dpi(options.png_dpi));
    }
    let (svg, symbol) = layout(credential, compact_text, options.ec_level)?;
    let tree = parse(&svg)?;
    let bytes = match format {
        Format::Svg => tree
            .to_string(&usvg::WriteOptions {
                preserve_text: false,
                ..usvg::WriteOptions::default()
            })
            .into_bytes(),
        Format::Pdf => svg2pdf::to_pdf(
            &tree,
            svg2pdf::ConversionOptions::default(),
            svg2pdf::PageOptions { dpi: 96.0 },
        )
        .map_err(|e| RenderError::Backend(format!("PDF: {e}")))?,
        Format::Png => png(&tree, options.png_dpi)?,
    };
    Ok(Rendered {
        bytes,
        qr_version: symbol.version(),
        qr_ec_level: symbol.ec_level(),
    })
}

/// The layout as SVG source (text as `<text>` in DejaVu Sans) and the QR symbol on it.
/// The layout as SVG source (text as `<text>` in DejaVu Sans) and the QR symbol on it.
pub fn layout(
    credential: &Value,
    compact_text: &str,
    ec_level: EcLevel,
) -> Result<(String, QrSymbol), RenderError> {
    let credential = Credential::from_value(credential.clone())
        .map_err(|e| RenderError::Credential(e.to_string()))?;
    let known = credential
        .document_type()
        .and_then(|kind| kind.profile())
        .ok_or_else(|| RenderError::NotACertificate(credential.types().join(", ")))?;
    let read = compact::decode(compact_text).map_err(|e| RenderError::Compact(e.to_string()))?;
    if *read.credential_json() != credential.unsecured() {
        return Err(RenderError::Mismatch);
    }
    let symbol = QrSymbol::encode(compact_text.trim_matches(['\r', '\n', '\t']), ec_level)?;
    let subject = match credential.subjects().first() {
        Some(s) if s.is_object() => (*s).clone(),
        Some(_) => return Err(RenderError::Subject("not a JSON object".into())),
        None => return Err(RenderError::Subject("missing".into())),
    };
    let document = Document::new(&known.profile, &subject);
    // Lay out at full size; a record too long for the page is set smaller, and at the smallest
    // size what still does not fit is left to the QR code.
    let mut page = Page::new(1.0, false);
    for (i, scale) in SCALES.iter().enumerate() {
        page = Page::new(*scale, i + 1 == SCALES.len());
        page.header(&document);
        page.body(&document);
        if page.y <= BODY_BOTTOM {
            break;
        }
    }
    page.footer(&credential, &symbol);
    Ok((page.finish(), symbol))
}

/// The sizes the body is tried at, largest first.
const SCALES: [f32; 5] = [1.0, 0.88, 0.76, 0.66, 0.56];
/// Most items of a list laid out one block each (more than three); the rest are counted.
const MAX_ITEM_BLOCKS: usize = 6;
/// Most lines of a list of persons; the rest are counted.
const MAX_LIST_LINES: usize = 10;
/// The most columns, one per item, a list's fields are laid out in.
const MAX_COLUMNS: usize = 3;
/// A missing value.
const DASH: &str = "—";

/// A text in English and French.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bilingual {
    en: String,
    fr: String,
}

impl Bilingual {
    fn of(label: &Label) -> Self {
        Self {
            en: label.en().to_owned(),
            fr: label.fr().to_owned(),
        }
    }

    fn empty() -> Self {
        Self {
            en: String::new(),
            fr: String::new(),
        }
    }

    /// `en · fr` (one of them when they are the same).
    fn joined(&self, separator: &str) -> String {
        both(&self.en, &self.fr, separator)
    }
}

/// `en{separator}fr`, or the one text when they are the same or one is empty.
fn both(en: &str, fr: &str, separator: &str) -> String {
    if fr.is_empty() || en == fr {
        en.to_owned()
    } else if en.is_empty() {
        fr.to_owned()
    } else {
        format!("{en}{separator}{fr}")
    }
}

/// What the page prints, read from the subject with the profile; the same at every scale.
#[derive(Debug, Clone, PartialEq)]
struct Document {
    title: Bilingual,
    /// The registration number and its label.
    number: Option<(Bilingual, String)>,
    sections: Vec<Part>,
}

/// One section of the certificate.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    title: Bilingual,
    blocks: Vec<Block>,
}

/// One piece of a section.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    /// A labelled value: one line per value (a list's items each start a line).
    Row {
        label: Bilingual,
        lines: Vec<String>,
    },
    /// A labelled row of values side by side, one per item of a list.
    Columns {
        label: Bilingual,
        cells: Vec<String>,
    },
    /// A heading inside a section (a list, an item of a list).
    Heading(String),
}

impl Document {
    fn new(profile: &Profile, subject: &Value) -> Self {
        let writer = Writer { profile };
        let number = profile
            .field_paths()
            .into_iter()
            .find(|(path, _)| {
                path.last() == "registrationNumber" && path.segments.iter().all(|s| !s.each)
            })
            .and_then(|(path, field)| {
                let value = values_at(subject, &path.segments).into_iter().next()?;
                Some((
                    Bilingual::of(&field.label),
                    writer.value(value, &field.kind, 0),
                ))
            });
        let sections = profile
            .certificate
            .sections
            .iter()
            .map(|section| Part {
                title: Bilingual::of(&section.title),
                blocks: writer.section(subject, section),
            })
            .collect();
        Self {
            title: Bilingual::of(&profile.certificate.title),
            number,
            sections,
        }
    }
}

/// Writes values by their kinds, and a section's fields as blocks.
struct Writer<'p> {
    profile: &'p Profile,
}

impl Writer<'_> {
    fn section(&self, subject: &Value, section: &Section) -> Vec<Block> {
        let mut blocks = Vec::new();
        let paths = &section.fields;
        let mut i = 0;
        while i < paths.len() {
            let path = &paths[i];
            if let Some(split) = path.segments.iter().position(|s| s.each) {
                // Fields of a list's items: with the paths after it through the same list.
                let prefix = &path.segments[..=split];
                let mut group = vec![path];
                while let Some(next) = paths.get(i + 1) {
                    if next.segments.len() > split + 1 && next.segments[..=split] == *prefix {
                        group.push(next);
                        i += 1;
                    } else {
                        break;
                    }
                }
                self.items(subject, prefix, &group, &mut blocks);
            } else if let Ok(field) = self.profile.resolve(path) {
                let label = Bilingual::of(&field.label);
                if let Kind::List {
                    role, type_name, ..
                } = &field.kind
                {
                    self.list(subject, path, label, *role, type_name, &mut blocks);
                } else {
                    let values: Vec<String> = values_at(subject, &path.segments)
                        .into_iter()
                        .map(|v| self.value(v, &field.kind, 0))
                        .collect();
                    blocks.push(Block::Row {
                        label,
                        lines: vec![joined_or_dash(values)],
                    });
                }
            }
            i += 1;
        }
        blocks
    }

    /// A list named whole: persons one per line; other items by their fields.
    fn list(
        &self,
        subject: &Value,
        path: &FieldPath,
        label: Bilingual,
        role: Role,
        type_name: &str,
        blocks: &mut Vec<Block>,
    ) {
        let items: Vec<&Value> = values_at(subject, &path.segments)
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            })
            .collect();
        if items.is_empty() {
            blocks.push(Block::Row {
                label,
                lines: vec![DASH.to_owned()],
            });
            return;
        }
        let item_type = self.profile.types.get(type_name);
        let named = item_type
            .is_some_and(|t| t.field("givenName").is_some() || t.field("familyName").is_some());
        if role == Role::Person || named || item_type.is_none() {
            let mut lines: Vec<String> = items
                .iter()
                .take(MAX_LIST_LINES)
                .enumerate()
                .map(|(i, item)| format!("{}. {}", i + 1, self.object(item, role, type_name, 0)))
                .collect();
            if items.len() > MAX_LIST_LINES {
                lines.push(more(items.len() - MAX_LIST_LINES));
            }
            blocks.push(Block::Row { label, lines });
            return;
        }
        // Items with fields of their own (doses, pay lines): each field a row, item by item.
        let mut prefix = path.segments.clone();
        if let Some(last) = prefix.last_mut() {
            last.each = true;
        }
        let paths: Vec<FieldPath> = item_type
            .map(|t| {
                t.fields
                    .iter()
                    .filter(|f| f.kind != Kind::Did)
                    .map(|f| {
                        let mut segments = prefix.clone();
                        segments.push(Segment {
                            key: f.key.clone(),
                            each: false,
                        });
                        FieldPath { segments }
                    })
                    .collect()
            })
            .unwrap_or_default();
        blocks.push(Block::Heading(label.joined(" / ")));
        let group: Vec<&FieldPath> = paths.iter().collect();
        self.items(subject, &prefix, &group, blocks);
    }

    /// The fields `paths` of the items of the list `prefix` (its last segment has `[]`): one
    /// column per item, or one block per item when there are more than [`MAX_COLUMNS`].
    fn items(
        &self,
        subject: &Value,
        prefix: &[Segment],
        paths: &[&FieldPath],
        blocks: &mut Vec<Block>,
    ) {
        let items = values_at(subject, prefix);
        let list_label = {
            let mut whole = prefix.to_vec();
            if let Some(last) = whole.last_mut() {
                last.each = false;
            }
            self.profile
                .resolve(&FieldPath { segments: whole })
                .map(|f| Bilingual::of(&f.label))
                .unwrap_or_else(|_| Bilingual::empty())
        };
        // Each field: its label and its value in each item.
        let rows: Vec<(Bilingual, Vec<String>)> = paths
            .iter()
            .filter_map(|path| {
                let field = self.profile.resolve(path).ok()?;
                let rest = path.segments.get(prefix.len()..).unwrap_or_default();
                let cells = items
                    .iter()
                    .map(|item| {
                        joined_or_dash(
                            values_at(item, rest)
                                .into_iter()
                                .map(|v| self.value(v, &field.kind, 0))
                                .collect(),
                        )
                    })
                    .collect();
                Some((Bilingual::of(&field.label), cells))
            })
            .collect();
        if items.is_empty() {
            for (label, _) in rows {
                blocks.push(Block::Row {
                    label,
                    lines: vec![DASH.to_owned()],
                });
            }
        } else if items.len() <= MAX_COLUMNS {
            for (label, cells) in rows {
                blocks.push(Block::Columns { label, cells });
            }
        } else {
            for i in 0..items.len().min(MAX_ITEM_BLOCKS) {
                blocks.push(Block::Heading(format!(
                    "{} · {}/{}",
                    list_label.joined(" / "),
                    i + 1,
                    items.len()
                )));
                for (label, cells) in &rows {
                    blocks.push(Block::Row {
                        label: label.clone(),
                        lines: vec![cells.get(i).cloned().unwrap_or_else(|| DASH.to_owned())],
                    });
                }
            }
            if items.len() > MAX_ITEM_BLOCKS {
                blocks.push(Block::Row {
                    label: Bilingual::empty(),
                    lines: vec![more(items.len() - MAX_ITEM_BLOCKS)],
                });
            }
        }
    }

    /// One value, written by its kind.
    fn value(&self, value: &Value, kind: &Kind, depth: usize) -> String {
        match (kind, value) {
            (_, Value::Null) => DASH.to_owned(),
            (Kind::LanguageMap, _) => localized(value),
            (Kind::Date, Value::String(text)) => text
                .parse::<NaiveDate>()
                .map(date)
                .unwrap_or_else(|_| text.clone()),
            (Kind::Time, Value::String(text)) => time(text),
            (Kind::DateTime, Value::String(text)) => date_time(text),
            (Kind::Enum { name }, Value::String(code)) => self
                .profile
                .enums
                .get(name)
                .and_then(|e| e.values.iter().find(|v| v.code == *code))
                .map(|v| Bilingual::of(&v.label).joined(" / "))
                .unwrap_or_else(|| code.clone()),
            (Kind::Amount, Value::Object(o)) => {
                let part = |k: &str| o.get(k).map(plain).unwrap_or_else(|| "?".into());
                format!("{} {}", part("value"), part("currency"))
            }
            (Kind::Object { role, type_name }, _) => self.object(value, *role, type_name, depth),
            (
                Kind::List {
                    role, type_name, ..
                },
                Value::Array(items),
            ) => items
                .iter()
                .map(|item| self.object(item, *role, type_name, depth))
                .collect::<Vec<_>>()
                .join("; "),
            _ => plain(value),
        }
    }

    /// An object: a person (or anything named) as its full name and its identity number, else
    /// its members' values in the type's order (a place: name, locality, district, country).
    fn object(&self, value: &Value, role: Role, type_name: &str, depth: usize) -> String {
        let Value::Object(members) = value else {
            return plain(value);
        };
        let name: Vec<String> = ["givenName", "familyName"]
            .iter()
            .filter_map(|k| members.get(*k))
            .map(localized)
            .collect();
        if !name.is_empty() {
            let id = match members.get("nationalId") {
                Some(Value::String(id)) => format!(" ({id})"),
                _ => String::new(),
            };
            return format!("{}{id}", name.join(" "));
        }
        let Some(t) = self.profile.types.get(type_name).filter(|_| depth < 8) else {
            return plain(value);
        };
        let parts: Vec<String> = t
            .fields
            .iter()
            .filter(|f| f.kind != Kind::Did && (role != Role::Person || f.key != "id"))
            .filter_map(|f| {
                let v = members.get(&f.key).filter(|v| !v.is_null())?;
                Some(self.value(v, &f.kind, depth + 1))
            })
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            DASH.to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Every value at `segments` under `value`: a segment with `[]` goes through each item of its
/// list; absent members and `null` are skipped.
fn values_at<'a>(value: &'a Value, segments: &[Segment]) -> Vec<&'a Value> {
    let mut current = vec![value];
    for segment in segments {
        let mut next = Vec::new();
        for v in current {
            match v.get(&segment.key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) if segment.each => next.extend(items.iter()),
                Some(one) => next.push(one),
            }
        }
        current = next;
    }
    current
}

fn joined_or_dash(values: Vec<String>) -> String {
    if values.is_empty() {
        DASH.to_owned()
    } else {
        values.join("; ")
    }
}

fn more(n: usize) -> String {
    format!("+ {n} more / + {n} autres (in the QR code / dans le code QR)")
}

fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_REGULAR.to_vec());
        db.load_font_data(FONT_BOLD.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        db.set_serif_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

fn parse(svg: &str) -> Result<usvg::Tree, RenderError> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| RenderError::Backend(format!("SVG: {e}")))
}

fn png(tree: &usvg::Tree, dpi: u32) -> Result<Vec<u8>, RenderError> {
    let scale = dpi as f32 / 96.0;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| RenderError::Backend("PNG: empty page".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| RenderError::Backend("PNG: cannot allocate the page".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| RenderError::Backend(format!("PNG: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Layout (all lengths in mm: the SVG user unit is the millimetre)

const LEFT: f32 = 18.0;
const RIGHT: f32 = PAGE_WIDTH_MM - 18.0;
const VALUE_X: f32 = 80.0;
const BODY_TOP: f32 = 62.0;
const BODY_BOTTOM: f32 = 226.0;
const INK: &str = "#111111";
const MUTED: &str = "#555555";
const ACCENT: &str = "#1b3a5c";
/// Average advance of DejaVu Sans, in em, slightly generous so that estimated lines fit.
const EM_ADVANCE: f32 = 0.6;
/// Most lines a value takes before it is cut short.
const MAX_VALUE_LINES: usize = 4;

struct Page {
    svg: String,
    y: f32,
    scale: f32,
    /// Whether what does not fit is left out (at the smallest scale).
    clip: bool,
    /// Whether something was left out: nothing more is laid out.
    full: bool,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Splits `text` into lines of at most `width` mm at font size `size`, at spaces where it can;
/// at most `max_lines`, the last one ending in `…` if the text was cut.
fn wrap(text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
    let per_line = ((width / (size * EM_ADVANCE)) as usize).max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let needed =
                current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
            if needed <= per_line {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
                continue;
            }
            // A single word longer than a line: break it.
            let head: String = word.chars().take(per_line).collect();
            word = word.chars().skip(per_line).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let keep = per_line.saturating_sub(1);
            *last = last.chars().take(keep).collect::<String>() + "…";
        }
    }
    lines
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let m = d.month0() as usize;
    format!(
        "{} {} {} / {} {} {}",
        d.day(),
        MONTHS_EN[m],
        d.year(),
        d.day(),
        MONTHS_FR[m],
        d.year()
    )
}

fn date_text(text: &str) -> String {
    text.get(..10)
        .and_then(|t| t.parse::<NaiveDate>().ok())
        .map(date)
        .unwrap_or_else(|| text.to_owned())
}

/// A time (`14:35:00`) as `14:35`, with its zone if it has one.
fn time(text: &str) -> String {
    let Some(t) = text.get(..8).and_then(|t| t.parse::<NaiveTime>().ok()) else {
        return text.to_owned();
    };
    let zone = text
        .get(8..)
        .unwrap_or_default()
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    match zone {
        "" => t.format("%H:%M").to_string(),
        "Z" => format!("{} UTC", t.format("%H:%M")),
        zone => format!("{} (UTC{zone})", t.format("%H:%M")),
    }
}

/// A date and time with its zone, the date in both languages.
fn date_time(text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) if t.offset().local_minus_utc() == 0 => {
            format!("{}, {} UTC", date(t.date_naive()), t.format("%H:%M"))
        }
        Ok(t) => format!(
            "{}, {} (UTC{})",
            date(t.date_naive()),
            t.format("%H:%M"),
            t.format("%:z")
        ),
        Err(_) => date_text(text),
    }
}

/// A text or a language map: English, French, then the other languages with their tags
/// (`John / Jean`); a text given the same in several languages once.
fn localized(value: &Value) -> String {
    let Value::Object(map) = value else {
        return plain(value);
    };
    let mut parts: Vec<String> = Vec::new();
    for lang in ["en", "fr"] {
        if let Some(v) = map.get(lang) {
            let text = plain(v);
            if !parts.contains(&text) {
                parts.push(text);
            }
        }
    }
    for (lang, v) in map {
        if lang != "en" && lang != "fr" {
            parts.push(format!("{} ({lang})", plain(v)));
        }
    }
    if parts.is_empty() {
        DASH.to_owned()
    } else {
        parts.join(" / ")
    }
}

/// Any JSON value as text, whatever its kind.
fn plain(value: &Value) -> String {
    match value {
        Value::Null => DASH.to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "Yes / Oui".to_owned(),
        Value::Bool(false) => "No / Non".to_owned(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join("; "),
        Value::Object(members) => members.values().map(plain).collect::<Vec<_>>().join(", "),
    }
}

/// The font size at which `text` (at most `size`) fits in `width` mm.
fn fit(text: &str, size: f32, width: f32) -> f32 {
    let estimated = text.chars().count() as f32 * size * EM_ADVANCE;
    if estimated > width {
        size * width / estimated
    } else {
        size
    }
}

impl Page {
    fn new(scale: f32, clip: bool) -> Self {
        let mut svg = String::with_capacity(16 * 1024);
        svg.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{PAGE_WIDTH_MM}mm\" height=\"{PAGE_HEIGHT_MM}mm\" \
             viewBox=\"0 0 {PAGE_WIDTH_MM} {PAGE_HEIGHT_MM}\" font-family=\"{FONT_FAMILY}\">\n\
             <rect width=\"{PAGE_WIDTH_MM}\" height=\"{PAGE_HEIGHT_MM}\" fill=\"#ffffff\"/>\n\
             <rect x=\"8\" y=\"8\" width=\"194\" height=\"281\" fill=\"none\" stroke=\"{ACCENT}\" stroke-width=\"0.8\"/>\n\
             <rect x=\"10\" y=\"10\" width=\"190\" height=\"277\" fill=\"none\" stroke=\"{ACCENT}\" stroke-width=\"0.25\"/>\n"
        ));
        Self {
            svg,
            y: BODY_TOP,
            scale,
            clip,
            full: false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        fill: &str,
        anchor: &str,
        content: &str,
    ) {
        self.svg.push_str(&format!(
            "<text x=\"{x:.2}\" y=\"{y:.2}\" font-size=\"{size:.2}\"{} fill=\"{fill}\"{}>{}</text>\n",
            if bold { " font-weight=\"bold\"" } else { "" },
            if anchor == "start" {
                String::new()
            } else {
                format!(" text-anchor=\"{anchor}\"")
            },
            escape(content)
        ));
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.svg.push_str(&format!(
            "<line x1=\"{x1:.2}\" y1=\"{y:.2}\" x2=\"{x2:.2}\" y2=\"{y:.2}\" stroke=\"{ACCENT}\" stroke-width=\"{width}\"/>\n"
        ));
    }

    fn header(&mut self, document: &Document) {
        let center = PAGE_WIDTH_MM / 2.0;
        let width = RIGHT - LEFT;
        self.text(
            LEFT,
            18.0,
            3.0,
            true,
            ACCENT,
            "start",
            "VERIFIABLE CREDENTIAL  ·  ATTESTATION VÉRIFIABLE",
        );
        let en = &document.title.en;
        let fr = &document.title.fr;
        self.text(center, 32.0, fit(en, 8.0, width), true, INK, "middle", en);
        if !fr.is_empty() && fr != en {
            self.text(
                center,
                40.0,
                fit(fr, 5.5, width),
                false,
                MUTED,
                "middle",
                fr,
            );
        }
        self.text(
            center,
            47.0,
            3.0,
            false,
            MUTED,
            "middle",
            "Printed copy of the credential in the QR code / Copie imprimée de l'attestation du code QR",
        );
        if let Some((label, number)) = &document.number {
            let mut y = 18.0;
            for line in wrap(&label.joined(" / "), 2.8, 80.0, 1) {
                self.text(RIGHT, y, 2.8, false, MUTED, "end", &line);
                y += 3.8;
            }
            for line in wrap(number, 3.2, 80.0, 2) {
                self.text(RIGHT, y, 3.2, true, INK, "end", &line);
                y += 3.8;
            }
        }
        self.rule(LEFT, RIGHT, 52.0, 0.4);
    }

    fn body(&mut self, document: &Document) {
        for part in &document.sections {
            self.section(&part.title);
            for block in &part.blocks {
                match block {
                    Block::Row { label, lines } => {
                        self.labelled(label, &[(VALUE_X, RIGHT - VALUE_X, lines.as_slice())]);
                    }
                    Block::Columns { label, cells } if cells.len() <= 1 => {
                        self.labelled(label, &[(VALUE_X, RIGHT - VALUE_X, cells.as_slice())]);
                    }
                    Block::Columns { label, cells } => {
                        let first = VALUE_X - 6.0;
                        let column = (RIGHT - first) / cells.len() as f32;
                        let placed: Vec<(f32, f32, &[String])> = cells
                            .iter()
                            .enumerate()
                            .map(|(i, cell)| {
                                let x = first + column * i as f32 + if i > 0 { 2.0 } else { 0.0 };
                                (x, column - 4.0, std::slice::from_ref(cell))
                            })
                            .collect();
                        self.labelled(label, &placed);
                    }
                    Block::Heading(label) => self.heading(label),
                }
            }
        }
    }

    /// Whether `height` more mm fit above the footer; at the smallest scale, when they do not,
    /// a note says the rest is in the QR code and nothing more is laid out.
    fn fits(&mut self, height: f32) -> bool {
        if self.full {
            return false;
        }
        if !self.clip || self.y + height + 5.0 * self.scale <= BODY_BOTTOM {
            return true;
        }
        self.full = true;
        let s = self.scale;
        self.text(
            LEFT,
            self.y + 1.0 * s,
            3.0 * s,
            true,
            MUTED,
            "start",
            "More in the QR code / Suite dans le code QR",
        );
        self.y += 5.0 * s;
        false
    }

    fn section(&mut self, title: &Bilingual) {
        let s = self.scale;
        if !self.fits(17.6 * s) {
            return;
        }
        self.y += 3.0 * s;
        let title = title.joined(" · ");
        let line = wrap(&title, 4.2 * s, RIGHT - LEFT, 1)
            .into_iter()
            .next()
            .unwrap_or_default();
        self.text(LEFT, self.y, 4.2 * s, true, ACCENT, "start", &line);
        self.y += 1.6 * s;
        self.rule(LEFT, RIGHT, self.y, 0.2);
        self.y += 5.0 * s;
    }

    fn heading(&mut self, text: &str) {
        let s = self.scale;
        if !self.fits(13.0 * s) {
            return;
        }
        let line = wrap(text, 3.2 * s, RIGHT - LEFT, 1)
            .into_iter()
            .next()
            .unwrap_or_default();
        self.y += 0.6 * s;
        self.text(LEFT, self.y, 3.2 * s, true, INK, "start", &line);
        self.y += 5.0 * s;
    }

    /// A labelled row: the English label, the French one under it, and cells `(x, width,
    /// values)`, each value starting a line and wrapped.
    fn labelled(&mut self, label: &Bilingual, cells: &[(f32, f32, &[String])]) {
        let s = self.scale;
        let value_size = 3.7 * s;
        let line_height = 4.6 * s;
        let label_width = cells.first().map_or(VALUE_X, |c| c.0) - LEFT - 3.0;
        let en = if label.en.is_empty() {
            Vec::new()
        } else {
            wrap(&label.en, 3.0 * s, label_width, 2)
        };
        let fr = if label.fr.is_empty() || label.fr == label.en {
            Vec::new()
        } else {
            wrap(&label.fr, 2.6 * s, label_width, 2)
        };
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .map(|(_, width, values)| {
                values
                    .iter()
                    .flat_map(|v| wrap(v, value_size, *width, MAX_VALUE_LINES))
                    .collect()
            })
            .collect();
        let value_lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let label_lines = (en.len() + fr.len()).max(1);
        let height = (line_height * value_lines as f32)
            .max(3.3 * s * (label_lines - 1) as f32 + 0.9 * s)
            .max(4.2 * s)
            + 3.4 * s;
        if !self.fits(height - 3.4 * s) {
            return;
        }
        let mut y = self.y;
        for line in &en {
            self.text(LEFT, y, 3.0 * s, false, INK, "start", line);
            y += 3.3 * s;
        }
        for line in &fr {
            self.text(LEFT, y, 2.6 * s, false, MUTED, "start", line);
            y += 3.3 * s;
        }
        for ((x, _, _), lines) in cells.iter().zip(&wrapped) {
            for (i, line) in lines.iter().enumerate() {
                self.text(
                    *x,
                    self.y + line_height * i as f32,
                    value_size,
                    true,
                    INK,
                    "start",
                    line,
                );
            }
        }
        self.y += height;
    }

    fn footer(&mut self, credential: &Credential, symbol: &QrSymbol) {
        let top = 230.0;
        self.rule(LEFT, RIGHT, top, 0.4);
        // The QR code, bottom right, with its quiet zone.
        let side = symbol.width() + 2 * QUIET_ZONE;
        let module = QR_SIDE_MM / side as f32;
        let qx = RIGHT - QR_SIDE_MM + 2.0;
        let qy = top + 4.0;
        self.svg.push_str(&format!(
            "<rect x=\"{qx:.3}\" y=\"{qy:.3}\" width=\"{QR_SIDE_MM}\" height=\"{QR_SIDE_MM}\" fill=\"#ffffff\"/>\n\
             <path transform=\"translate({:.4} {:.4}) scale({module:.5})\" fill=\"#000000\" shape-rendering=\"crispEdges\" d=\"{}\"/>\n",
            qx + module * QUIET_ZONE as f32,
            qy + module * QUIET_ZONE as f32,
            symbol.svg_path_data()
        ));
        self.text(
            qx + QR_SIDE_MM / 2.0,
            qy + QR_SIDE_MM + 2.6,
            2.0,
            false,
            MUTED,
            "middle",
            &format!(
                "QR {}-{} · {}",
                symbol.version(),
                symbol.ec_level(),
                compact::PREFIX.trim_end_matches(':')
            ),
        );
        // Identifiers and how to verify, left of the QR code.
        let width = qx - LEFT - 6.0;
        let mut y = top + 7.0;
        let mut field = |page: &mut Page, en: &str, fr: &str, value: &str, size: f32| {
            page.text(LEFT, y, 2.8, true, INK, "start", &format!("{en} / {fr}"));
            y += 3.6;
            for line in wrap(value, size, width, 3) {
                page.text(LEFT, y, size, false, INK, "start", &line);
                y += size * 1.3;
            }
            y += 1.6;
        };
        field(
            self,
            "Credential",
            "Identifiant",
            credential.id().unwrap_or("—"),
            2.6,
        );
        field(self, "Issued by", "Délivré par", credential.issuer(), 2.4);
        if let Some(from) = credential.json().get("validFrom").and_then(Value::as_str) {
            field(self, "Issued on", "Délivré le", &date_text(from), 2.6);
        }
        field(
            self,
            "How to verify",
            "Comment vérifier",
            "Scan the QR code with a civitas verifier (civitas verify photo.png): it checks the \
             issuer's signature, the validity and the revocation status, offline.",
            2.4,
        );
        for line in wrap(
            "Scannez le code QR avec un vérificateur civitas : il contrôle la signature de l'émetteur, \
             la validité et la révocation, hors ligne.",
            2.4,
            width,
            3,
        ) {
            self.text(LEFT, y - 1.0, 2.4, false, MUTED, "start", &line);
            y += 3.1;
        }
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>\n");
        self.svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("a b c", 3.0, 100.0, 3), ["a b c"]);
        let lines = wrap(&"word ".repeat(40), 3.0, 30.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        let lines = wrap(&"x".repeat(50), 3.0, 30.0, 10);
        assert!(lines.iter().all(|l| l.chars().count() <= 16));
        assert_eq!(wrap("", 3.0, 30.0, 3), [""]);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{7}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos; "
        );
    }

    #[test]
    fn times_language_maps_and_plain_values_read_well() {
        assert_eq!(time("14:35:00"), "14:35");
        assert_eq!(time("14:35:00.5Z"), "14:35 UTC");
        assert_eq!(time("14:35:00+04:00"), "14:35 (UTC+04:00)");
        assert_eq!(time("soon"), "soon");
        assert_eq!(
            date_time("2026-01-15T09:00:00Z"),
            "15 January 2026 / 15 janvier 2026, 09:00 UTC"
        );
        assert_eq!(
            localized(&serde_json::json!({"fr": "Jean", "en": "John", "mfe": "Zan"})),
            "John / Jean / Zan (mfe)"
        );
        assert_eq!(
            localized(&serde_json::json!({"en": "Li", "fr": "Li"})),
            "Li"
        );
        assert_eq!(localized(&serde_json::json!("Anne")), "Anne");
        assert_eq!(plain(&serde_json::json!([1, "a"])), "1; a");
        assert_eq!(both("District", "District", " / "), "District");
        assert_eq!(fit("short", 8.0, 100.0), 8.0);
        assert!(fit(&"x".repeat(100), 8.0, 100.0) < 2.0);
    }

    #[test]
    fn the_document_follows_the_profile() {
        use civitas_core::model::{DocumentType, sample};
        let Ok(kind) = DocumentType::named("marriage") else {
            panic!("the marriage certificate is bundled");
        };
        let (Some(known), Some(subject)) = (kind.profile(), sample(&kind)) else {
            panic!("a profile and a sample");
        };
        let document = Document::new(&known.profile, &subject);
        assert_eq!(document.title.en, "Marriage Certificate");
        assert_eq!(
            document.number.as_ref().map(|(_, n)| n.as_str()),
            Some("PL/M/2025/000321")
        );
        let titles: Vec<&str> = document
            .sections
            .iter()
            .map(|p| p.title.en.as_str())
            .collect();
        assert_eq!(titles, ["Spouses", "Marriage", "Witnesses", "Registration"]);
        assert_eq!(
            document.sections[0].blocks[0],
            Block::Columns {
                label: Bilingual {
                    en: "Given name(s)".into(),
                    fr: "Prénom(s)".into()
                },
                cells: vec!["Anil".into(), "Sophie".into()]
            }
        );
        // An optional member neither spouse has: a dash in each column.
        assert_eq!(
            document.sections[0].blocks[2],
            Block::Columns {
                label: Bilingual {
                    en: "Name after marriage".into(),
                    fr: "Nom après le mariage".into()
                },
                cells: vec![DASH.into(), DASH.into()]
            }
        );
        let Block::Row { lines, .. } = &document.sections[2].blocks[0] else {
            panic!("the witnesses are one row");
        };
        assert_eq!(
            lines,
            &[
                "1. Jean Li (L1111197000001)",
                "2. Priya Ramsamy (R2222198800002)"
            ]
        );
        // A subject with nothing in it still lays out: dashes.
        let empty = Document::new(&known.profile, &serde_json::json!({}));
        assert_eq!(empty.number, None);
        assert!(matches!(
            &empty.sections[1].blocks[0],
            Block::Row { lines, .. } if lines == &[DASH]
        ));
    }

    #[test]
    fn dates_are_bilingual() {
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2024, 2, 28).unwrap_or_default()),
            "28 February 2024 / 28 février 2024"
        );
        assert_eq!(
            date_text("2026-01-15T09:00:00Z"),
            "15 January 2026 / 15 janvier 2026"
        );
    }
}
