//! Outside programs a test drives (curl, pdftoppm): found, or skipped loudly — except under
//! `CI=true`, where a missing program is a failure (CI installs them).

use std::io::Write as _;
use std::process::Command;

/// Whether `program` runs (`program version_arg` exits at all). When it does not: panics under
/// `CI=true`, and otherwise writes a `SKIPPED:` line naming `what` was not checked and the
/// Debian package that brings the program.
pub fn available(program: &str, version_arg: &str, package: &str, what: &str) -> bool {
    if Command::new(program).arg(version_arg).output().is_ok() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{program} is required under CI=true: apt-get install -y {package}");
    }
    // std::io::stderr() directly: not captured by the test harness, unlike eprintln!
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {program} is not installed (apt-get install -y {package}); {what} was not checked"
    );
    false
}
