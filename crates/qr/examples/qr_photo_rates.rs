//! Read rates of civitas' QR reader and of zbar (`zbarimg`) on the same phone-photograph-like
//! images of real civitas QR codes, per kind of degradation.
//!
//! ```sh
//! cargo run --release -p civitas-qr --example qr_photo_rates -- [--out DIR] [--per-family N] [--no-zbar] [--verbose]
//! ```
//!
//! The images are generated deterministically (seeded) from the compact forms of the birth and
//! marriage certificates in `vectors/civitas`, signed by the test issuer, by
//! `tests/suite/common/photo.rs`, and written to `DIR` (default `target/qr-photos`) so that any
//! other reader can be run on them. `scripts/qr-photo-rates.sh` installs zbar if needed and
//! runs this. `--verbose` lists every image that a reader missed, with how it was taken.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use civitas_core::credential::Credential;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_qr::{EcLevel, QrSymbol, decode_image};

#[path = "../tests/suite/common/photo.rs"]
mod photo;

type Error = Box<dyn std::error::Error>;

struct Args {
    out: PathBuf,
    per_family: usize,
    zbar: bool,
    verbose: bool,
}

fn args() -> Result<Args, Error> {
    let mut args = Args {
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/qr-photos"),
        per_family: 20,
        zbar: true,
        verbose: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => args.out = it.next().ok_or("--out needs a directory")?.into(),
            "--per-family" => {
                args.per_family = it
                    .next()
                    .ok_or("--per-family needs a number")?
                    .parse()
                    .map_err(|e| format!("--per-family: {e}"))?;
            }
            "--no-zbar" => args.zbar = false,
            "--verbose" => args.verbose = true,
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    Ok(args)
}

async fn payloads() -> Result<Vec<(String, String)>, Error> {
    let signer = LocalSigner::did_key(KeyPair::from_secret_bytes(
        KeyAlgorithm::Ed25519,
        b"civitas-test-issuer-seed-32bytes",
    )?);
    let mut out = Vec::new();
    for name in ["birth-certificate", "marriage-certificate"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../vectors/civitas")
            .join(name)
            .join("signed-di.json");
        let credential = Credential::from_value(serde_json::from_slice(&std::fs::read(&path)?)?)?;
        let text = civitas_qr::compact::encode(&credential, &signer).await?;
        out.push((name.to_owned(), text));
    }
    Ok(out)
}

fn zbar_reads(path: &std::path::Path, expected: &str) -> bool {
    Command::new("zbarimg")
        .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l == expected)
        })
}

#[derive(Default)]
struct Tally {
    n: usize,
    civitas: usize,
    zbar: usize,
    only_civitas: usize,
    only_zbar: usize,
    times: Vec<Duration>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args = args()?;
    if args.zbar && Command::new("zbarimg").arg("--version").output().is_err() {
        return Err("zbarimg not found (apt-get install zbar-tools, or pass --no-zbar)".into());
    }
    std::fs::create_dir_all(&args.out)?;
    let payloads = payloads().await?;
    let symbols = payloads
        .iter()
        .map(|(name, text)| {
            let symbol = QrSymbol::encode(text, EcLevel::M)?;
            println!(
                "{name}: {} characters, QR version {}-M",
                text.len(),
                symbol.version()
            );
            Ok((name.as_str(), text.as_str(), symbol.to_image(1)))
        })
        .collect::<Result<Vec<_>, civitas_qr::QrError>>()?;
    println!(
        "{} images per family, written to {}\n",
        args.per_family,
        args.out.display()
    );
    println!(
        "{:<12} {:>4} {:>8} {:>6} {:>13} {:>10} {:>10} {:>10}  varies",
        "family", "n", "civitas", "zbar", "civitas-only", "zbar-only", "median ms", "max ms"
    );
    let mut total = Tally::default();
    for family in photo::FAMILIES {
        let mut tally = Tally::default();
        for i in 0..args.per_family {
            let (name, text, symbol) = &symbols[i % symbols.len()];
            let shot = (family.shot)(i, args.per_family);
            let bytes = photo::photograph(symbol, &shot);
            let ext = if shot.jpeg.is_some() { "jpg" } else { "png" };
            let path = args
                .out
                .join(format!("{}-{i:02}-{name}.{ext}", family.name));
            std::fs::write(&path, &bytes)?;
            let start = Instant::now();
            let ours = decode_image(&bytes).is_ok_and(|t| t == *text);
            tally.times.push(start.elapsed());
            let theirs = args.zbar && zbar_reads(&path, text);
            if args.verbose && !(ours && (theirs || !args.zbar)) {
                println!(
                    "  {}: civitas {}, zbar {} ({shot:?})",
                    path.display(),
                    if ours { "read" } else { "FAILED" },
                    if theirs { "read" } else { "failed" },
                );
            }
            tally.n += 1;
            tally.civitas += usize::from(ours);
            tally.zbar += usize::from(theirs);
            tally.only_civitas += usize::from(ours && !theirs);
            tally.only_zbar += usize::from(theirs && !ours);
        }
        print_row(family.name, &tally, family.varies);
        total.n += tally.n;
        total.civitas += tally.civitas;
        total.zbar += tally.zbar;
        total.only_civitas += tally.only_civitas;
        total.only_zbar += tally.only_zbar;
        total.times.extend(tally.times);
    }
    print_row("all", &total, "");
    Ok(())
}

fn print_row(name: &str, tally: &Tally, varies: &str) {
    let mut times = tally.times.clone();
    times.sort();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{name:<12} {:>4} {:>8} {:>6} {:>13} {:>10} {:>10.0} {:>10.0}  {varies}",
        tally.n,
        tally.civitas,
        tally.zbar,
        tally.only_civitas,
        tally.only_zbar,
        ms(times.get(times.len() / 2)),
        ms(times.last()),
    );
}
