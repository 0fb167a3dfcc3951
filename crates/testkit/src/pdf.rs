//! Opening a PDF the way a reader of the printed certificate would: poppler's `pdftoppm` turns
//! its first page into a PNG image.
//!
//! Without `pdftoppm` the caller's check is skipped with a message on stderr, except under
//! `CI=true`, where a missing tool is a failure (CI installs poppler-utils).

use std::path::Path;
use std::process::Command;

/// Whether `pdftoppm` can be run; panics under `CI=true` when it cannot.
pub fn pdftoppm_available() -> bool {
    crate::tools::available("pdftoppm", "-v", "poppler-utils", "the PDF page")
}

/// The first page of the PDF file `pdf` as a PNG at `dpi`, written beside it (same name,
/// `.png`) and returned. Panics if `pdftoppm` refuses the file: a PDF it cannot open is a bug.
pub fn first_page_png(pdf: &Path, dpi: u32) -> Vec<u8> {
    let prefix = pdf.with_extension("");
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
        ])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("running pdftoppm");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    std::fs::read(prefix.with_extension("png")).expect("pdftoppm's page image")
}
