//! `civitas wallet respond`: a wallet holding an SD-JWT VC answers a mock OpenID4VP verifier
//! (a loopback http server in the test, reached with the hidden `--allow-loopback-http`; the
//! HTTPS flow is tested in civitas-wallet) — with `--yes`, and declining with "n" on standard
//! input.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use civitas_keys::encoding::base64url;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use serde_json::{Value, json};

use crate::common::ok;

const PASSPHRASE: &str = "a long wallet passphrase";
const NAME: &str = "Bank of Testing";

fn command(args: &[&str], dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_civitas"));
    c.args(args)
        .current_dir(dir)
        .env("CIVITAS_WALLET_KDF", "testing")
        .env("CIVITAS_WALLET_PASSPHRASE", PASSPHRASE)
        .env_remove("CIVITAS_WALLET_DIR");
    c
}

fn civitas(args: &[&str], dir: &Path) -> Output {
    command(args, dir).output().expect("run civitas")
}

fn civitas_with_stdin(args: &[&str], dir: &Path, stdin: &str) -> Output {
    let mut child = command(args, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run civitas");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    let hex = civitas_issuer::jcs::sha256_hex(bytes);
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// An SD-JWT VC of a birth certificate by a did:key office, every claim its own disclosure,
/// bound to `holder` (a did:key).
fn birth_sd_jwt(holder: &str) -> String {
    let office = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let claims = [
        ("givenName", json!({"en": "Marie-Claire"})),
        ("familyName", json!({"en": "Lebon"})),
        ("birthDate", json!("2024-02-28")),
        ("sex", json!("F")),
        (
            "mother",
            json!({"givenName": {"en": "Anita"}, "familyName": {"en": "Ramdin"}}),
        ),
    ];
    let mut digests = Vec::new();
    let mut disclosures = Vec::new();
    for (i, (name, value)) in claims.iter().enumerate() {
        let encoded = base64url(
            json!([format!("salt-{i}-0123456789abcdef"), name, value])
                .to_string()
                .as_bytes(),
        );
        digests.push(base64url(&sha256(encoded.as_bytes())));
        disclosures.push(encoded);
    }
    digests.sort();
    let key = civitas_keys::did::did_key_public_key(holder).unwrap();
    let payload = json!({
        "iss": office.controller(),
        "iat": (Utc::now() - Duration::hours(1)).timestamp(),
        "vct": "urn:civitas:type:BirthCertificate",
        "sub": holder,
        "cnf": {"jwk": serde_json::to_value(key.to_jwk()).unwrap()},
        "_sd_alg": "sha-256",
        "_sd": digests,
    });
    let jwt = block_on(civitas_core::jwt::sign(&payload, "dc+sd-jwt", &office)).unwrap();
    format!("{jwt}~{}~", disclosures.join("~"))
}

/// The mock verifier: a loopback http server serving `request_object` at `/request` and
/// recording every POST to `/response`.
struct Mock {
    base: String,
    posts: Arc<Mutex<Vec<String>>>,
    request_object: Arc<Mutex<String>>,
}

fn start() -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let posts = Arc::new(Mutex::new(Vec::new()));
    let request_object = Arc::new(Mutex::new(String::new()));
    let (p, r) = (posts.clone(), request_object.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let (status, content_type, answer) = if first.starts_with("GET /request") {
                (
                    "200 OK",
                    "application/oauth-authz-req+jwt",
                    r.lock().unwrap().clone(),
                )
            } else if first.starts_with("POST /response") {
                p.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                ("200 OK", "application/json", "{}".to_owned())
            } else {
                ("404 Not Found", "text/plain", "no".to_owned())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    Mock {
        base,
        posts,
        request_object,
    }
}

/// A signed request object of a did:key verifier asking for givenName, familyName and
/// birthDate of a birth certificate; the link to it.
fn serve_request(mock: &Mock) -> String {
    let verifier = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let client_id = format!("decentralized_identifier:{}", verifier.controller());
    let now = Utc::now().timestamp();
    let claims = json!({
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": format!("{}/response", mock.base),
        "nonce": "n-0S6_WzA2Mj-abcdefghij",
        "state": "state-1234",
        "aud": "https://self-issued.me/v2",
        "iat": now,
        "exp": now + 300,
        "client_metadata": {"client_name": NAME},
        "dcql_query": {"credentials": [{
            "id": "birth",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:civitas:type:BirthCertificate"]},
            "claims": [{"path": ["givenName"]}, {"path": ["familyName"]}, {"path": ["birthDate"]}]
        }]}
    });
    let jwt = block_on(civitas_core::jwt::sign(
        &claims,
        "oauth-authz-req+jwt",
        &verifier,
    ))
    .unwrap();
    *mock.request_object.lock().unwrap() = jwt;
    format!(
        "openid4vp://?client_id={}&request_uri={}",
        percent_encode(&client_id),
        percent_encode(&format!("{}/request", mock.base))
    )
}

/// A wallet (in `dir`) holding the birth certificate as an SD-JWT VC.
fn wallet_with_birth(dir: &Path) {
    ok(&civitas(&["wallet", "init"], dir));
    let keys: Value =
        serde_json::from_str(&ok(&civitas(&["wallet", "keys", "--json"], dir))).unwrap();
    let holder = keys[0]["did"].as_str().unwrap().to_owned();
    std::fs::write(dir.join("birth.sd-jwt"), birth_sd_jwt(&holder)).unwrap();
    ok(&civitas(
        &["wallet", "import", "birth.sd-jwt", "--accept-indeterminate"],
        dir,
    ));
}

fn form_value(form: &str, name: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (n, v) = pair.split_once('=')?;
        (n == name).then(|| {
            let bytes = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    out.push(
                        u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16)
                            .unwrap(),
                    );
                    i += 3;
                } else {
                    out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        })
    })
}

#[test]
fn respond_with_yes_shares_only_the_asked_claims() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wallet_with_birth(d);
    let mock = start();
    let link = serve_request(&mock);
    let out = civitas(
        &["wallet", "respond", &link, "--yes", "--allow-loopback-http"],
        d,
    );
    let stdout = ok(&out);
    assert!(stdout.contains(NAME), "{stdout}");
    assert!(stdout.contains("as it claims"), "{stdout}");
    assert!(
        stdout.contains("givenName, familyName, birthDate"),
        "{stdout}"
    );
    assert!(stdout.contains("SHARED"), "{stdout}");
    let posts = mock.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        form_value(&posts[0], "state").as_deref(),
        Some("state-1234")
    );
    let token: Value = serde_json::from_str(&form_value(&posts[0], "vp_token").unwrap()).unwrap();
    let presentation = token["birth"][0].as_str().unwrap();
    // issuer JWT, three disclosures, KB-JWT
    assert_eq!(presentation.split('~').count(), 5, "{presentation}");
    assert!(!presentation.contains("Ramdin"));
    let log = ok(&civitas(&["wallet", "log"], d));
    assert!(log.contains(NAME), "{log}");
}

#[test]
fn respond_declined_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wallet_with_birth(d);
    let mock = start();
    let link = serve_request(&mock);
    let out = civitas_with_stdin(
        &["wallet", "respond", &link, "--allow-loopback-http"],
        d,
        "n\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("Share these claims with {NAME}? [y/N]")),
        "{stderr}"
    );
    let posts = mock.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        form_value(&posts[0], "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        form_value(&posts[0], "state").as_deref(),
        Some("state-1234")
    );
    assert!(form_value(&posts[0], "vp_token").is_none());
    let log = ok(&civitas(&["wallet", "log"], d));
    assert!(log.contains("nothing has been shared"), "{log}");
}

#[test]
fn respond_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&civitas(&["wallet", "init"], d));
    let out = civitas(&["wallet", "respond", "no-such-link.png"], d);
    assert_eq!(out.status.code(), Some(2));
    let out = civitas(
        &[
            "wallet",
            "respond",
            "openid4vp://?client_id=x&request_uri=http%3A%2F%2F127.0.0.1%3A1%2Fr",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
