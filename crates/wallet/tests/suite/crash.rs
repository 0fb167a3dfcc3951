//! A passphrase change killed at an arbitrary point (a second process, SIGKILL) leaves a wallet
//! that opens with the old passphrase or the new one, with every document intact — never a mix
//! of the two keys.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use civitas_core::secure::Securing;
use civitas_keys::sealed::KdfParams;
use civitas_wallet::{ImportOptions, Wallet, WalletError};
use common::*;

const CHILD_ENV: &str = "CIVITAS_WALLET_CRASH_CHILD";
const OTHER: &[u8] = b"the other passphrase";

/// Run by the parent in a child process: changes the passphrase back and forth, forever,
/// saying after each change which passphrase is now current.
#[test]
fn child_changes_passphrases_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let mut current: &[u8] = PASSPHRASE;
    let mut wallet = Wallet::open(&dir, current).expect("open");
    for i in 0u64.. {
        let next = if current == PASSPHRASE {
            OTHER
        } else {
            PASSPHRASE
        };
        wallet
            .change_passphrase(current, next, KdfParams::testing())
            .expect("change");
        current = next;
        println!("changed {i}");
    }
}

#[tokio::test]
async fn a_passphrase_change_killed_midway_leaves_one_passphrase_or_the_other() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    let wallet = new_wallet(&path);
    let holder = holder_did(&wallet);
    for doc in [
        birth(&world.office, &holder, 10, Securing::DataIntegrity).await,
        marriage(&world.office, &holder, 20, Securing::VcJwt).await,
    ] {
        wallet
            .import(doc.as_bytes(), &verifier, &ImportOptions::default())
            .await
            .unwrap();
    }
    let documents = wallet.documents().unwrap();
    let keys = wallet.holder_keys().unwrap();
    drop(wallet);

    for round in 0..4 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash::child_changes_passphrases_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut changes = 0;
        for line in BufReader::new(stdout).lines() {
            if line.unwrap().starts_with("changed ") {
                changes += 1;
                // Kill a little later each round, in the middle of the next change.
                if changes > round * 3 + 1 {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let (mut reopened, current) = match Wallet::open(&path, PASSPHRASE) {
            Ok(w) => (w, PASSPHRASE),
            Err(WalletError::WrongPassphrase { .. }) => (
                Wallet::open(&path, OTHER)
                    .unwrap_or_else(|e| panic!("round {round}: neither passphrase opens it: {e}")),
                OTHER,
            ),
            Err(e) => panic!("round {round}: {e}"),
        };
        eprintln!(
            "round {round}: killed after {changes} changes; opens with the {} passphrase",
            if current == PASSPHRASE {
                "first"
            } else {
                "other"
            }
        );
        assert_eq!(reopened.documents().unwrap(), documents, "round {round}");
        assert_eq!(reopened.holder_keys().unwrap(), keys, "round {round}");
        // The child starts from the first passphrase.
        if current == OTHER {
            reopened
                .change_passphrase(OTHER, PASSPHRASE, KdfParams::testing())
                .unwrap();
        }
    }
}
