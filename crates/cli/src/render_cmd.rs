//! `civitas render` (the printable certificate) and `civitas qr` (the compact QR form: make,
//! read, verify).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use civitas_core::credential::Credential;
use civitas_keys::signer::LocalSigner;
use civitas_qr::compact;
use civitas_qr::{self as qr, EcLevel, QrSymbol};
use civitas_render::certificate::{self, Format, RenderOptions};

use crate::{input, keys_cmd};

/// Arguments of `civitas render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The credential: a birth or marriage certificate (JSON, secured or not; `-` for standard
    /// input).
    pub credential: PathBuf,
    /// pdf, svg or png.
    #[arg(long, default_value = "pdf", value_parser = parse_format)]
    pub format: Format,
    /// The issuer's private JWK, which signs the compact credential in the QR code.
    #[arg(long, required_unless_present = "qr")]
    pub key: Option<PathBuf>,
    /// The key's verification method (e.g. `did:web:registry.gov.mu#key-1`); default: the
    /// key's did:key.
    #[arg(long, requires = "key")]
    pub method: Option<String>,
    /// A compact credential already made (`civitas qr encode`) instead of --key.
    #[arg(long, conflicts_with = "key")]
    pub qr: Option<PathBuf>,
    /// QR error-correction level: L, M (default), Q or H.
    #[arg(long, default_value = "M", value_parser = parse_level)]
    pub ecc: EcLevel,
    /// Resolution of PNG output, in dots per inch.
    #[arg(long, default_value_t = 200)]
    pub dpi: u32,
    /// Where to write the certificate (`-` for standard output).
    #[arg(long, short)]
    pub out: PathBuf,
}

/// `civitas qr ...`.
#[derive(Debug, clap::Subcommand)]
pub enum QrCommand {
    /// Make the compact QR text (`CV1:...`) of a credential, signed with the issuer's key; with
    /// --png or --svg, also the QR code image.
    Encode(QrEncodeArgs),
    /// Read the text of a QR code from a PNG or JPEG photo or scan.
    Decode(QrDecodeArgs),
}

/// Arguments of `civitas qr encode`.
#[derive(Debug, clap::Args)]
pub struct QrEncodeArgs {
    /// The credential (JSON; `-` for standard input).
    pub credential: PathBuf,
    /// The issuer's private JWK.
    #[arg(long)]
    pub key: PathBuf,
    /// The key's verification method; default: the key's did:key.
    #[arg(long)]
    pub method: Option<String>,
    /// QR error-correction level: L, M (default), Q or H.
    #[arg(long, default_value = "M", value_parser = parse_level)]
    pub ecc: EcLevel,
    /// Also write the QR code as PNG (8 pixels per module).
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Also write the QR code as SVG.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Where to write the text (default: standard output).
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
}

/// Arguments of `civitas qr decode`.
#[derive(Debug, clap::Args)]
pub struct QrDecodeArgs {
    /// A PNG or JPEG image of the QR code.
    pub image: PathBuf,
    /// Print the credential the compact text carries (JSON) instead of the text.
    #[arg(long)]
    pub credential: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
        .map_err(|e: certificate::RenderError| e.to_string())
}

fn parse_level(s: &str) -> Result<EcLevel, String> {
    s.parse().map_err(|e: qr::QrError| e.to_string())
}

fn signer(key: &Path, method: Option<String>) -> anyhow::Result<LocalSigner> {
    let pair = keys_cmd::load_key(key)?;
    Ok(match method {
        Some(m) => LocalSigner::new(pair, m),
        None => LocalSigner::did_key(pair),
    })
}

async fn compact_text(
    credential: &Credential,
    key: &Path,
    method: Option<String>,
) -> anyhow::Result<String> {
    let signer = signer(key, method)?;
    compact::encode(credential, &signer)
        .await
        .context("making the compact credential")
}

fn write_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        std::io::stdout()
            .write_all(bytes)
            .context("writing standard output")
    } else {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
    }
}

/// Reads a QR text from a file: an image (PNG/JPEG, by its magic bytes) or text.
fn read_qr_input(path: &Path) -> anyhow::Result<String> {
    let bytes = input::read_up_to(path, qr::MAX_IMAGE_BYTES)?;
    if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xff\xd8") {
        return qr::decode_image(&bytes).with_context(|| format!("{}", path.display()));
    }
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is neither a PNG/JPEG image nor text", path.display()))?;
    Ok(text.trim().to_owned())
}

/// Runs `civitas render`.
pub async fn run_render(args: RenderArgs) -> anyhow::Result<i32> {
    let json = input::read_json(&args.credential)?;
    let credential = Credential::from_value(json.clone())
        .with_context(|| format!("{}", args.credential.display()))?;
    let text = match (&args.qr, &args.key) {
        (Some(path), _) => input::read_text(path)?.trim().to_owned(),
        (None, Some(key)) => compact_text(&credential, key, args.method.clone()).await?,
        (None, None) => bail!("give the issuer's key (--key) or a compact credential (--qr)"),
    };
    let options = RenderOptions {
        ec_level: args.ecc,
        png_dpi: args.dpi,
    };
    let rendered = certificate::render_with(&json, &text, args.format, &options)?;
    write_bytes(&args.out, &rendered.bytes)?;
    let size = compact::decode(&text)
        .map(|c| c.sizes().compressed)
        .unwrap_or(0);
    eprintln!(
        "{}: {} bytes of {}; QR version {}-{} ({} characters, {size}-byte payload)",
        args.out.display(),
        rendered.bytes.len(),
        args.format.extension().to_uppercase(),
        rendered.qr_version,
        rendered.qr_ec_level,
        text.len(),
    );
    Ok(0)
}

/// Runs `civitas qr ...`.
pub async fn run_qr(command: QrCommand) -> anyhow::Result<i32> {
    match command {
        QrCommand::Encode(args) => {
            let credential = Credential::from_value(input::read_json(&args.credential)?)
                .with_context(|| format!("{}", args.credential.display()))?;
            let text = compact_text(&credential, &args.key, args.method).await?;
            let symbol = QrSymbol::encode(&text, args.ecc)?;
            if let Some(path) = &args.png {
                write_bytes(path, &symbol.to_png(8)?)?;
            }
            if let Some(path) = &args.svg {
                write_bytes(path, symbol.to_svg("50mm").as_bytes())?;
            }
            input::write_output(&args.out, &text, false)?;
            let sizes = compact::decode(&text)?.sizes();
            eprintln!(
                "compact credential: {} characters; claims {} B, COSE {} B, compressed {} B; \
                 QR version {}-{} ({}x{} modules)",
                sizes.text,
                sizes.claims,
                sizes.cose,
                sizes.compressed,
                symbol.version(),
                symbol.ec_level(),
                symbol.width(),
                symbol.width()
            );
            Ok(0)
        }
        QrCommand::Decode(args) => {
            let text = read_qr_input(&args.image)?;
            if args.credential {
                let read = compact::decode(&text)?;
                println!("{}", serde_json::to_string_pretty(read.credential_json())?);
            } else {
                println!("{text}");
            }
            Ok(0)
        }
    }
}
