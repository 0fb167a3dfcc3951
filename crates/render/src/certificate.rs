//! Printable certificates: a birth or marriage certificate laid out like an extract of the
//! civil-status register, A4 portrait, bilingual labels (English / French), the QR code of the
//! compact credential at the bottom right, the credential id and a short "how to verify" line.
//!
//! One SVG layout is the source of every format: SVG (text converted to outlines, so it looks
//! the same everywhere), PDF (svg2pdf: real, selectable text with the fonts embedded) and PNG
//! (resvg). Text is set in DejaVu Sans, bundled with the crate: nothing depends on the fonts of
//! the machine, so the output is the same on every machine, offline.
//!
//! ```
//! use civitas_qr::compact;
//! use civitas_core::{credential::CredentialBuilder, model::samples};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, signer::LocalSigner};
//! use civitas_render::certificate::{Format, render};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let credential = CredentialBuilder::new(signer.controller())
//!     .document(&samples::birth_certificate())
//!     .build()?;
//! let qr_text = compact::encode(&credential, &signer).await?;
//! let pdf = render(credential.json(), &qr_text, Format::Pdf)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use civitas_core::credential::Credential;
use civitas_core::model::{
    BirthCertificate, DocumentType, LocalizedText, MarriageCertificate, Person, Place, Sex,
};
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
    /// A credential, but not a civitas birth or marriage certificate.
    #[error("only civitas birth and marriage certificates can be rendered (types: {0})")]
    NotACertificate(String),
    /// The subject is not a valid record of its type.
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
pub fn layout(
    credential: &Value,
    compact_text: &str,
    ec_level: EcLevel,
) -> Result<(String, QrSymbol), RenderError> {
    let credential = Credential::from_value(credential.clone())
        .map_err(|e| RenderError::Credential(e.to_string()))?;
    let kind = credential
        .document_type()
        .ok_or_else(|| RenderError::NotACertificate(credential.types().join(", ")))?;
    let read = compact::decode(compact_text).map_err(|e| RenderError::Compact(e.to_string()))?;
    if *read.credential_json() != credential.unsecured() {
        return Err(RenderError::Mismatch);
    }
    let symbol = QrSymbol::encode(compact_text.trim_matches(['\r', '\n', '\t']), ec_level)?;
    let subject = credential
        .subjects()
        .first()
        .map(|s| (*s).clone())
        .unwrap_or_default();
    let document = match kind {
        DocumentType::BirthCertificate => Document::Birth(Box::new(
            serde_json::from_value(subject).map_err(|e| RenderError::Subject(e.to_string()))?,
        )),
        DocumentType::MarriageCertificate => Document::Marriage(Box::new(
            serde_json::from_value(subject).map_err(|e| RenderError::Subject(e.to_string()))?,
        )),
    };
    // Lay out at full size; a record too long for the page is set smaller.
    let mut page = Page::new(1.0);
    for scale in [1.0, 0.88, 0.76, 0.66] {
        page = Page::new(scale);
        page.header(kind, &document);
        page.body(&document);
        if page.y <= BODY_BOTTOM {
            break;
        }
    }
    page.footer(&credential, &symbol);
    Ok((page.finish(), symbol))
}

enum Document {
    Birth(Box<BirthCertificate>),
    Marriage(Box<MarriageCertificate>),
}

impl Document {
    fn registration_number(&self) -> &str {
        match self {
            Self::Birth(b) => &b.registration.number,
            Self::Marriage(m) => &m.registration.number,
        }
    }
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

fn localized(text: &LocalizedText) -> String {
    match text {
        LocalizedText::Plain(s) => s.clone(),
        LocalizedText::ByLanguage(map) => {
            let mut parts: Vec<String> = Vec::new();
            for lang in ["en", "fr"] {
                if let Some(v) = map.get(lang) {
                    parts.push(v.clone());
                }
            }
            for (lang, v) in map {
                if lang != "en" && lang != "fr" {
                    parts.push(format!("{v} ({lang})"));
                }
            }
            parts.join(" / ")
        }
    }
}

fn sex(s: Sex) -> &'static str {
    match s {
        Sex::Female => "Female / Féminin",
        Sex::Male => "Male / Masculin",
        Sex::Unspecified => "Unspecified / Non spécifié",
    }
}

fn place(p: &Place) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if let Some(n) = &p.name {
        parts.push(n);
    }
    parts.push(&p.locality);
    if let Some(d) = &p.district {
        parts.push(d);
    }
    parts.push(&p.country);
    parts.join(", ")
}

fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("—").to_owned()
}

impl Page {
    fn new(scale: f32) -> Self {
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

    fn header(&mut self, kind: DocumentType, document: &Document) {
        let (en, fr) = kind.title();
        let center = PAGE_WIDTH_MM / 2.0;
        self.text(
            center,
            20.0,
            3.0,
            true,
            ACCENT,
            "middle",
            "CIVIL STATUS  ·  ÉTAT CIVIL",
        );
        self.text(center, 32.0, 8.0, true, INK, "middle", en);
        self.text(center, 40.0, 5.5, false, MUTED, "middle", fr);
        self.text(
            center,
            47.0,
            3.0,
            false,
            MUTED,
            "middle",
            "Extract of the civil-status register / Extrait du registre de l'état civil",
        );
        let number = format!("Entry No. / Acte n° {}", document.registration_number());
        let lines = wrap(&number, 2.8, 70.0, 2);
        for (i, line) in lines.iter().enumerate() {
            self.text(RIGHT, 18.0 + 3.6 * i as f32, 2.8, false, MUTED, "end", line);
        }
        self.rule(LEFT, RIGHT, 52.0, 0.4);
    }

    fn section(&mut self, en: &str, fr: &str) {
        let s = self.scale;
        self.y += 3.0 * s;
        self.text(
            LEFT,
            self.y,
            4.2 * s,
            true,
            ACCENT,
            "start",
            &format!("{en} · {fr}"),
        );
        self.y += 1.6 * s;
        self.rule(LEFT, RIGHT, self.y, 0.2);
        self.y += 5.0 * s;
    }

    /// A labelled row: English label, French label under it, the value (wrapped) at the right.
    fn row(&mut self, en: &str, fr: &str, value: &str) {
        self.columns(en, fr, &[(VALUE_X, RIGHT - VALUE_X, value)]);
    }

    fn columns(&mut self, en: &str, fr: &str, cells: &[(f32, f32, &str)]) {
        let s = self.scale;
        let value_size = 3.7 * s;
        let line_height = 4.6 * s;
        self.text(LEFT, self.y, 3.0 * s, false, INK, "start", en);
        self.text(LEFT, self.y + 3.3 * s, 2.6 * s, false, MUTED, "start", fr);
        let mut lines_used = 1;
        for (x, width, value) in cells {
            let lines = wrap(value, value_size, *width, MAX_VALUE_LINES);
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
            lines_used = lines_used.max(lines.len());
        }
        self.y += (line_height * lines_used as f32).max(4.2 * s) + 3.4 * s;
    }

    fn person(&mut self, who_en: &str, who_fr: &str, p: &Person) {
        self.section(who_en, who_fr);
        self.row(
            "Name",
            "Nom et prénoms",
            &format!("{} {}", localized(&p.given_name), localized(&p.family_name)),
        );
        self.row(
            "National identity number",
            "N° d'identité nationale",
            &or_dash(p.national_id.as_deref()),
        );
        self.row(
            "Nationality",
            "Nationalité",
            &or_dash(p.nationality.as_deref()),
        );
    }

    fn body(&mut self, document: &Document) {
        match document {
            Document::Birth(b) => {
                self.section("Child", "Enfant");
                self.row("Given name(s)", "Prénom(s)", &localized(&b.given_name));
                self.row("Family name", "Nom", &localized(&b.family_name));
                self.row("Sex", "Sexe", sex(b.sex));
                let born = match b.birth_time {
                    Some(t) => format!("{}, {}", date(b.birth_date), t.format("%H:%M")),
                    None => date(b.birth_date),
                };
                self.row("Date of birth", "Date de naissance", &born);
                self.row(
                    "Place of birth",
                    "Lieu de naissance",
                    &place(&b.birth_place),
                );
                if let Some(m) = &b.mother {
                    self.person("Mother", "Mère", m);
                }
                if let Some(f) = &b.father {
                    self.person("Father", "Père", f);
                }
                self.registration(&b.registration);
            }
            Document::Marriage(m) => {
                self.section("Spouses", "Époux");
                let c1 = VALUE_X - 6.0;
                let c2 = (c1 + RIGHT) / 2.0 + 2.0;
                let width = c2 - c1 - 4.0;
                let get = |i: usize| m.spouses.get(i);
                let both = |f: &dyn Fn(&civitas_core::model::Spouse) -> String| {
                    (
                        get(0).map(f).unwrap_or_else(|| "—".into()),
                        get(1).map(f).unwrap_or_else(|| "—".into()),
                    )
                };
                let rows: Vec<(&str, &str, (String, String))> = vec![
                    (
                        "Given name(s)",
                        "Prénom(s)",
                        both(&|s| localized(&s.given_name)),
                    ),
                    ("Family name", "Nom", both(&|s| localized(&s.family_name))),
                    (
                        "Name after marriage",
                        "Nom après le mariage",
                        both(&|s| {
                            s.family_name_after_marriage
                                .as_ref()
                                .map(localized)
                                .unwrap_or_else(|| "—".into())
                        }),
                    ),
                    (
                        "Sex",
                        "Sexe",
                        both(&|s| s.sex.map(sex).unwrap_or("—").to_owned()),
                    ),
                    (
                        "Date of birth",
                        "Date de naissance",
                        both(&|s| s.birth_date.map(date).unwrap_or_else(|| "—".into())),
                    ),
                    (
                        "National identity number",
                        "N° d'identité nationale",
                        both(&|s| or_dash(s.national_id.as_deref())),
                    ),
                    (
                        "Nationality",
                        "Nationalité",
                        both(&|s| or_dash(s.nationality.as_deref())),
                    ),
                ];
                for (en, fr, (a, b)) in rows {
                    self.columns(en, fr, &[(c1, width, &a), (c2, width, &b)]);
                }
                self.section("Marriage", "Mariage");
                self.row(
                    "Date of marriage",
                    "Date du mariage",
                    &date(m.marriage_date),
                );
                self.row(
                    "Place of marriage",
                    "Lieu du mariage",
                    &place(&m.marriage_place),
                );
                self.row("Officer", "Officier de l'état civil", &m.officer);
                self.section("Witnesses", "Témoins");
                let shown = m.witnesses.len().min(4);
                for (i, w) in m.witnesses.iter().take(shown).enumerate() {
                    let id = w
                        .national_id
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    self.row(
                        &format!("Witness {}", i + 1),
                        &format!("Témoin {}", i + 1),
                        &format!(
                            "{} {}{id}",
                            localized(&w.given_name),
                            localized(&w.family_name)
                        ),
                    );
                }
                if m.witnesses.len() > shown {
                    let more = m.witnesses.len() - shown;
                    self.row(
                        "",
                        "",
                        &format!(
                            "+ {more} more / + {more} autres (in the QR code / dans le code QR)"
                        ),
                    );
                }
                self.registration(&m.registration);
            }
        }
    }

    fn registration(&mut self, r: &civitas_core::model::Registration) {
        self.section("Registration", "Enregistrement");
        self.row("Entry number", "Numéro d'acte", &r.number);
        self.row("Civil status office", "Bureau de l'état civil", &r.office);
        if let Some(d) = &r.district {
            self.row("District", "District", d);
        }
        self.row(
            "Date of registration",
            "Date d'enregistrement",
            &date(r.date),
        );
        self.row("Registrar", "Officier de l'état civil", &r.registrar);
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
