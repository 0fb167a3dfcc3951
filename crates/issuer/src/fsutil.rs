//! Small file helpers: private files (mode 0600) written atomically, private directories.

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
