//! Reading what the user hands the CLI: files or standard input, size-limited, and files written
//! with private permissions.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use civitas_core::credential::MAX_DOCUMENT_BYTES;

/// Reads `path` (or standard input for `-`), refusing more than [`MAX_DOCUMENT_BYTES`].
pub fn read_limited(path: &Path) -> anyhow::Result<Vec<u8>> {
    read_up_to(path, MAX_DOCUMENT_BYTES)
}

/// Reads `path` (or standard input for `-`), refusing more than `max` bytes.
pub fn read_up_to(path: &Path, max: usize) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let limit = max as u64 + 1;
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut buf)
            .context("reading standard input")?;
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("opening {}", path.display()))?
            .take(limit)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    if buf.len() > max {
        bail!("{} is larger than {max} bytes", path.display());
    }
    Ok(buf)
}

/// Reads `path` as UTF-8 text.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(read_limited(path)?)
        .with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// Reads `path` as JSON, reporting the line and byte of a syntax error.
pub fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = read_limited(path)?;
    civitas_core::credential::parse_json(&bytes).with_context(|| format!("{}", path.display()))
}

/// Writes `text` to `path` (or standard output for `-`); `private` files get mode 0600.
pub fn write_output(path: &Path, text: &str, private: bool) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        println!("{text}");
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = private;
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    use std::io::Write;
    writeln!(file, "{text}").with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Parses `URL=FILE` pairs and loads each context into the loader.
pub fn with_contexts(
    mut loader: civitas_jsonld::contexts::ContextLoader,
    pairs: &[String],
) -> anyhow::Result<civitas_jsonld::contexts::ContextLoader> {
    for pair in pairs {
        let (url, file) = pair
            .split_once('=')
            .with_context(|| format!("--context `{pair}`: expected URL=FILE"))?;
        let text = read_text(Path::new(file))?;
        loader = loader
            .with_context(url, &text)
            .with_context(|| format!("--context {url}"))?;
    }
    Ok(loader)
}
