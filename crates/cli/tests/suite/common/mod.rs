//! Helpers shared by the modules that run the `civitas` binary.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `civitas args…` in `dir`.
pub fn civitas(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civitas"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run civitas")
}

/// The standard output of a run that must have succeeded.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}\nstdout: {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
