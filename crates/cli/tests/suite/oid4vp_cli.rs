//! `civitas verifier serve` as an OpenID4VP relying party, driven with `civitas verifier
//! request` and `civitas verifier result`.

use std::process::{Child, Command, Stdio};

use crate::common::{civitas, ok};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn request_and_result_against_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_civitas"))
            .args([
                "verifier",
                "serve",
                "--listen",
                &listen,
                "--public-url",
                "https://bank.example",
                "--verifier-key",
                "rp.key",
                "--rp-token-file",
                "rp.token",
                "--client-name",
                "Test Bank",
            ])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let server = format!("http://{listen}");
    let request = |extra: &[&str]| {
        let mut args = vec![
            "verifier",
            "request",
            "--server",
            &server,
            "--token-file",
            "rp.token",
        ];
        args.extend_from_slice(extra);
        civitas(&args, dir.path())
    };
    // the server creates its key and token, then answers
    let mut created = None;
    for _ in 0..100 {
        if dir.path().join("rp.token").exists() {
            let out = request(&[
                "--type",
                "birth",
                "--claims",
                "givenName,familyName,birthDate",
                "--qr",
                "request.png",
                "--json",
            ]);
            if out.status.success() {
                created = Some(out);
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let created: serde_json::Value =
        serde_json::from_str(&ok(&created.expect("the server answers"))).unwrap();
    let link = created["link"].as_str().unwrap();
    assert!(
        link.starts_with("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3Az"),
        "{link}"
    );
    assert!(
        created["request_uri"]
            .as_str()
            .unwrap()
            .starts_with("https://bank.example/oid4vp/requests/")
    );
    assert!(dir.path().join("request.png").metadata().unwrap().len() > 100);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["rp.key", "rp.token"] {
            let mode = dir.path().join(f).metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    let id = created["id"].as_str().unwrap();

    // the same server serves the public verifier page and what it loads
    let page = http_get(&listen, "/verify");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("id=\"verify-form\""), "{page}");
    assert!(page.contains("/assets/verify-app.js"), "{page}");
    let script = http_get(&listen, "/assets/verify-app.js");
    assert!(
        script.starts_with("HTTP/1.1 200"),
        "{}",
        &script[..200.min(script.len())]
    );

    // pending: exit 3
    let out = civitas(
        &[
            "verifier",
            "result",
            "--server",
            &server,
            "--token-file",
            "rp.token",
            id,
            "--wait",
            "1",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("status: pending"));

    // a claim the type does not have
    let out = request(&["--type", "birth", "--claims", "shoeSize"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("shoeSize"));

    // the wrong token
    std::fs::write(
        dir.path().join("wrong.token"),
        "not-the-token-of-the-server",
    )
    .unwrap();
    let out = civitas(
        &[
            "verifier",
            "result",
            "--server",
            &server,
            "--token-file",
            "wrong.token",
            id,
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));
}

/// A plain HTTP/1.1 GET on loopback: the status line, headers and body as text.
fn http_get(listen: &str, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(listen).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}
