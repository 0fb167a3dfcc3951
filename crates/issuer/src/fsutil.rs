//! Small file helpers: private files (mode 0600) written atomically, private directories, and
//! small text files read with a size limit.

use std::io::Write;
use std::path::Path;

use crate::error::IssuerError;

/// Creates `dir` (and parents) with mode 0700 where it is created.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), IssuerError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| IssuerError::io(dir, e))
}

/// Writes `bytes` to `path` with mode 0600: to a temporary file first, synced, then renamed over
/// `path`, and the directory synced, so a crash leaves the old file or the new one.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), IssuerError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(|e| IssuerError::io(&tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| IssuerError::io(&tmp, e))?;
    file.sync_all().map_err(|e| IssuerError::io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| IssuerError::io(path, e))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads the text file `path`, refused when larger than `max` bytes (only `max + 1` bytes are
/// ever read).
pub(crate) fn read_limited(path: &Path, max: u64) -> Result<String, IssuerError> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| IssuerError::io(path, e))?;
    let mut text = String::new();
    file.take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| IssuerError::io(path, e))?;
    if text.len() as u64 > max {
        return Err(IssuerError::config(format!(
            "{}: larger than {max} bytes",
            path.display()
        )));
    }
    Ok(text)
}
