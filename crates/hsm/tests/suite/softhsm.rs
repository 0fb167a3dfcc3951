//! The SoftHSM2 harness. `softhsm_suite` finds SoftHSM (or says loudly that it skips, and fails
//! under `CI=true`), writes a SoftHSM configuration whose token directory is a temporary
//! directory, initializes the token `T` (user PIN 1234, SO PIN 5678) and runs this binary again
//! as a child with `SOFTHSM2_CONF` set, where `in_softhsm` runs every test that needs the token,
//! in order. `in_softhsm` does nothing unless `CIVITAS_HSM_CHILD_DIR` is set.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use civitas_hsm::HsmConfig;
use civitas_keys::keys::KeyAlgorithm;

use crate::{issuer, keys};

const CHILD_DIR_ENV: &str = "CIVITAS_HSM_CHILD_DIR";
const CHILD_MODULE_ENV: &str = "CIVITAS_HSM_CHILD_MODULE";
/// The variable the child's `pin_env` configurations read.
pub const PIN_ENV: &str = "CIVITAS_HSM_TEST_PIN";

/// Where Debian installs SoftHSM2's PKCS#11 module.
const MODULES: [&str; 2] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
];

/// The test token and the files of one run.
pub struct Env {
    /// The SoftHSM2 module.
    pub module: PathBuf,
    /// A temporary directory for the tests' own files (beside the token directory).
    pub dir: PathBuf,
    /// A file holding the user PIN, 1234 (with a trailing newline).
    pub pin_file: PathBuf,
}

impl Env {
    /// A configuration for `key_label` in token `T`, PIN from [`Env::pin_file`].
    pub fn config(&self, key_label: &str, algorithm: KeyAlgorithm) -> HsmConfig {
        HsmConfig::new(&self.module, "T", key_label, algorithm, &self.pin_file)
    }
}

/// SoftHSM2's module, if installed. Otherwise: a failure under `CI=true`, else a loud skip.
fn module() -> Option<PathBuf> {
    if let Some(found) = MODULES.iter().map(Path::new).find(|p| p.is_file()) {
        return Some(found.to_path_buf());
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "SoftHSM2 is required under CI=true ({MODULES:?} missing): apt-get install -y softhsm2"
        );
    }
    // std::io::stderr() directly: not captured by the test harness, unlike eprintln!
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: SoftHSM2 is not installed ({} missing; apt-get install -y softhsm2); \
         signing with PKCS#11 keys was not checked",
        MODULES.join(", ")
    );
    None
}

#[test]
fn softhsm_suite() {
    let Some(module) = module() else { return };
    if !civitas_testkit::tools::available(
        "softhsm2-util",
        "--version",
        "softhsm2",
        "signing with PKCS#11 keys",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let init = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "T"])
        .args(["--pin", "1234", "--so-pin", "5678"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(init.status.success(), "softhsm2-util: {init:?}");
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();

    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "softhsm::in_softhsm",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD_DIR_ENV, &files)
        .env(CHILD_MODULE_ENV, &module)
        .env(PIN_ENV, "1234")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    // the child's steps (shown with --nocapture)
    for line in stdout.lines() {
        if let Some(at) = line.find("softhsm: ") {
            println!("{}", &line[at..]);
        }
    }
    assert!(
        child.status.success() && stdout.contains("test result: ok. 1 passed"),
        "the SoftHSM tests failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        child.status
    );
}

/// Every test that needs the token, in one process with one `SOFTHSM2_CONF`, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_softhsm() {
    let (Ok(dir), Ok(module)) = (
        std::env::var(CHILD_DIR_ENV),
        std::env::var(CHILD_MODULE_ENV),
    ) else {
        return; // not in the child softhsm_suite starts
    };
    let dir = PathBuf::from(dir);
    let pin_file = dir.join("pin");
    std::fs::write(&pin_file, "1234\n").unwrap();
    let env = Env {
        module: module.into(),
        dir,
        pin_file,
    };
    // before any session is logged in: PKCS#11 login state is per process and token
    keys::wrong_pin_missing_token_and_missing_key_are_named(&env).await;
    keys::generated_keys_sign_and_stay_in_the_token(&env).await;
    keys::keys_are_found_again_by_label(&env).await;
    keys::rotation_keeps_the_previous_key(&env).await;
    issuer::an_issuer_signs_with_the_token(&env).await;
    issuer::a_did_web_issuer_keeps_its_keys_in_the_token(&env).await;
}
