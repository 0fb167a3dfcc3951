//! The public verifier page on a real server (127.0.0.1) with a real verifier: a ministry's
//! signed trust list naming one civil status office, the office's revocation and suspension
//! lists (index 20 revoked), and its birth certificates as Data Integrity JSON, as CV1 QR text
//! and as a PNG image of that QR code.

use std::sync::{Arc, RwLock};

use chrono::{Duration, Utc};
use civitas_core::secure::Securing;
use civitas_qr::compact;
use civitas_qr::{EcLevel, QrSymbol};
use civitas_testkit::fixtures::{Office, ministry, sign_trust_list, verifier_builder};
use civitas_verifier::http::SharedVerifier;
use civitas_verifier::trust::{TrustListSigning, TrustedIssuer};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};

const OFFICE_NAME: &str = "Civil Status Office, Rose Hill";
const BOUNDARY: &str = "civitas-test-boundary";

/// The server and what the office issued.
struct World {
    base: String,
    client: reqwest::Client,
    /// A valid birth certificate, Data Integrity JSON.
    valid_json: String,
    /// The CV1 text of a valid birth certificate.
    valid_qr: String,
    /// The CV1 text of a revoked one.
    revoked_qr: String,
}

async fn world() -> World {
    let anchor = ministry();
    let office = Office::did_key(51, "registry.example");
    let trust_list = sign_trust_list(
        &anchor,
        [TrustedIssuer::new(&office.did, ["BirthCertificate"]).named(OFFICE_NAME)],
        &TrustListSigning::default(),
    )
    .await;
    let mut builder = verifier_builder(&anchor, &trust_list);
    for list in office
        .lists(&[20], &[], Utc::now() - Duration::hours(1))
        .await
    {
        builder = builder.status_list(list, None);
    }
    let verifier = builder.build().await.expect("verifier");
    let shared: SharedVerifier = Arc::new(RwLock::new(Arc::new(verifier)));

    let valid_from = Utc::now() - Duration::days(1);
    let valid = office
        .birth(None, 10, valid_from)
        .build()
        .expect("credential");
    let revoked = office
        .birth(None, 20, valid_from)
        .build()
        .expect("credential");
    let valid_json = office.secure(&valid, Securing::DataIntegrity).await;
    let valid_qr = compact::encode(&valid, &office.signer).await.expect("qr");
    let revoked_qr = compact::encode(&revoked, &office.signer).await.expect("qr");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = civitas_web::verifier_pages(shared);
    tokio::spawn(async move { axum::serve(listener, app).await });
    World {
        base: format!("http://{address}"),
        client: reqwest::Client::new(),
        valid_json,
        valid_qr,
        revoked_qr,
    }
}

/// One part of a multipart form: its name, its file name and type for a file, its bytes.
struct Part<'a> {
    name: &'a str,
    file: Option<(&'a str, &'a str)>,
    bytes: &'a [u8],
}

fn text_part<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part {
        name,
        file: None,
        bytes: value.as_bytes(),
    }
}

fn file_part<'a>(file_name: &'a str, content_type: &'a str, bytes: &'a [u8]) -> Part<'a> {
    Part {
        name: "document",
        file: Some((file_name, content_type)),
        bytes,
    }
}

/// A `multipart/form-data` body, as a browser sends the form.
fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part.file {
            Some((file_name, content_type)) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: {content_type}\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

impl World {
    /// Posts `parts` as the form; the status and the page.
    async fn post(&self, parts: &[Part<'_>], lang: Option<&str>) -> (StatusCode, String) {
        let mut request = self
            .client
            .post(format!("{}/verify", self.base))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(parts));
        if let Some(lang) = lang {
            request = request.header(ACCEPT_LANGUAGE, lang);
        }
        let response = request.send().await.expect("post");
        let status = response.status();
        let headers = response.headers().clone();
        let html = response.text().await.expect("page");
        assert_eq!(
            headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "a result is never cached"
        );
        assert!(headers.contains_key("content-security-policy"));
        (status, html)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get")
    }
}

/// The `data-verdict` of the page's verdict paragraph and the paragraph's text start.
fn verdict(html: &str) -> (String, String) {
    let at = html.find("<p id=\"verdict\"").expect("a verdict paragraph");
    let rest = &html[at..];
    let code = rest
        .split("data-verdict=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let text = rest
        .split_once('>')
        .map(|(_, t)| t.split('<').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (code, text)
}

/// Whether the content list has `label` with `value`.
fn shows(html: &str, label: &str, value: &str) -> bool {
    html.contains(&format!("<dt>{label}</dt><dd>{value}</dd>"))
}

#[tokio::test]
async fn verify_page_the_form_is_served_with_the_app_links() {
    let w = world().await;
    let response = w.get("/verify").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("page");
    for needle in [
        "<form id=\"verify-form\" method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\"",
        "id=\"document\" name=\"document\"",
        "<textarea id=\"text\" name=\"text\"",
        "<link rel=\"manifest\" href=\"/verify/manifest.webmanifest\">",
        "<script type=\"module\" src=\"/assets/verify-app.js\">",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("id=\"result\""));
    // the language link sets the language cookie
    let french = w.get("/verify?lang=fr").await;
    assert_eq!(
        french
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.starts_with("civitas_lang=fr;")),
        Some(true)
    );
    assert!(
        french
            .text()
            .await
            .expect("page")
            .contains("<h1>Vérifier un document</h1>")
    );
    for asset in [
        "/assets/verify.css",
        "/assets/icon.svg",
        "/assets/icon-192.png",
    ] {
        assert_eq!(w.get(asset).await.status(), StatusCode::OK, "{asset}");
    }
}

#[tokio::test]
async fn verify_page_a_valid_credential_file_is_valid_with_its_labels() {
    let w = world().await;
    let (status, html) = w
        .post(
            &[
                text_part("lang", "en"),
                file_part("birth.json", "application/json", w.valid_json.as_bytes()),
                text_part("text", ""),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (code, text) = verdict(&html);
    assert_eq!(code, "valid");
    assert!(
        text.starts_with("VALID — Birth certificate of Marie-Claire Lebon"),
        "{text}"
    );
    assert!(text.contains(&format!("issued by {OFFICE_NAME}")), "{text}");
    assert!(html.contains("<dl id=\"document-content\" class=\"content\""));
    assert!(shows(&html, "Given name(s)", "Marie-Claire"), "{html}");
    assert!(shows(&html, "Sex", "Female"));
    assert!(shows(&html, "Father", "John Lebon"));
    assert!(shows(&html, "Place of birth — Locality", "Candos"));
    assert!(shows(
        &html,
        "Registration — Entry number",
        "PW/B/2024/001234"
    ));
    assert!(html.contains("<ul id=\"checks\" class=\"checks\""));
    assert!(
        html.contains("<li data-check=\"signature\" data-outcome=\"ok\" class=\"outcome-ok\">")
    );
    assert!(html.contains("<li data-check=\"trustedIssuer\" data-outcome=\"ok\""));
    // the result comes before the form
    assert!(html.find("id=\"result\"") < html.find("id=\"verify-form\""));
    // a file and a text: the file is checked, and the page says so
    let (status, html) = w
        .post(
            &[
                file_part("birth.json", "application/json", w.valid_json.as_bytes()),
                text_part("text", &w.revoked_qr),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"both-given\""));
}

#[tokio::test]
async fn verify_page_a_photo_of_a_valid_qr_code_is_valid() {
    let w = world().await;
    let png = QrSymbol::encode(&w.valid_qr, EcLevel::M)
        .expect("symbol")
        .to_png(4)
        .expect("png");
    let (status, html) = w
        .post(&[file_part("photo.png", "image/png", &png)], None)
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (code, text) = verdict(&html);
    assert_eq!(code, "valid");
    assert!(text.starts_with("VALID — Birth certificate of Marie-Claire Lebon"));
    assert!(shows(&html, "Family name", "Lebon"));
}

#[tokio::test]
async fn verify_page_a_revoked_document_is_not_valid() {
    let w = world().await;
    let (status, html) = w.post(&[text_part("text", &w.revoked_qr)], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (code, text) = verdict(&html);
    assert_eq!(code, "invalid");
    assert!(text.starts_with("NOT VALID — "), "{text}");
    assert!(
        html.contains("<span class=\"why\">Revocation: revoked"),
        "{html}"
    );
    assert!(html.contains("Do not accept this document."));
    assert!(html.contains("<li data-check=\"revocation\" data-outcome=\"failed\""));
    assert!(html.contains("id=\"content-warning\""));
}

#[tokio::test]
async fn verify_page_an_image_without_a_qr_code_cannot_be_decided() {
    let w = world().await;
    let icon = civitas_web::assets::asset("icon-192.png").expect("an image");
    let (status, html) = w
        .post(&[file_part("photo.png", "image/png", icon.bytes)], None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (code, text) = verdict(&html);
    assert_eq!(code, "indeterminate");
    assert!(text.starts_with("CANNOT BE DECIDED — "), "{text}");
    assert!(html.contains("photograph its QR code again"), "{html}");
    assert!(!html.contains("id=\"document-content\""));
}

#[tokio::test]
async fn verify_page_a_pdf_without_javascript_is_explained() {
    let w = world().await;
    let (status, html) = w
        .post(
            &[file_part(
                "certificate.pdf",
                "application/pdf",
                b"%PDF-1.7\n%\xe2\xe3\n1 0 obj",
            )],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("This is a PDF"), "{html}");
    assert!(html.contains("JavaScript"));
    assert!(!html.contains("id=\"verdict\""), "a PDF is not judged");
}

#[tokio::test]
async fn verify_page_bad_input_gets_a_page_never_a_500() {
    let w = world().await;
    // more than 16 MiB
    let big = vec![b'a'; 17 * 1024 * 1024];
    let (status, html) = w
        .post(&[file_part("big.png", "image/png", &big)], None)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(html.contains("This upload is too large."), "{html}");
    // garbage, with markup
    let (status, html) = w
        .post(&[text_part("text", "<script>alert(1)</script> ~~")], None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!html.contains("<script>alert"));
    assert_eq!(verdict(&html).0, "invalid");
    // a broken form
    let response = w
        .client
        .post(format!("{}/verify", w.base))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nabc"
        ))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.expect("page");
    assert!(html.contains("The form could not be read."), "{html}");
    // nothing at all
    let (status, html) = w
        .post(&[text_part("text", "  "), text_part("lang", "en")], None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("id=\"form-error\""));
    // the urlencoded form works too
    let response = w
        .client
        .post(format!("{}/verify", w.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "lang=en&text={}",
            w.valid_qr
                .replace('%', "%25")
                .replace('+', "%2B")
                .replace(' ', "+")
        ))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn verify_page_speaks_french() {
    let w = world().await;
    let (status, html) = w
        .post(
            &[file_part(
                "birth.json",
                "application/json",
                w.valid_json.as_bytes(),
            )],
            Some("fr-MU, fr;q=0.9, en;q=0.5"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"fr\">"));
    let (code, text) = verdict(&html);
    assert_eq!(code, "valid");
    assert!(
        text.starts_with("VALIDE — Acte de naissance de Marie-Claire Lebon"),
        "{text}"
    );
    assert!(
        text.contains(&format!("délivré par {OFFICE_NAME}")),
        "{text}"
    );
    assert!(shows(&html, "Prénom(s)", "Marie-Claire"));
    assert!(shows(&html, "Sexe", "Féminin"));
    assert!(shows(&html, "Père", "Jean Lebon"));
    assert!(html.contains("<span class=\"check-name\">Émetteur de confiance</span>"));
    // the form's language wins over the browser's
    let (_, html) = w
        .post(
            &[text_part("lang", "fr"), text_part("text", &w.revoked_qr)],
            Some("en"),
        )
        .await;
    assert!(verdict(&html).1.starts_with("NON VALIDE — "), "{html}");
    assert!(html.contains("N&#39;acceptez pas ce document."));
}

#[tokio::test]
async fn verify_page_the_app_manifest_worker_and_bundle() {
    let w = world().await;
    let manifest = w.get("/verify/manifest.webmanifest").await;
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(
        manifest
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/manifest+json")
    );
    let json: serde_json::Value = manifest.json_or_panic().await;
    assert_eq!(json["start_url"], "/verify");
    assert_eq!(json["scope"], "/verify");

    let sw = w.get("/verify/sw.js").await;
    assert_eq!(sw.status(), StatusCode::OK);
    let header = |name: &str| {
        sw.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("service-worker-allowed").as_deref(), Some("/verify"));
    assert_eq!(header("cache-control").as_deref(), Some("no-cache"));
    assert!(header("content-type").is_some_and(|t| t.starts_with("text/javascript")));

    let bundle = w.get("/verify/offline-bundle.json").await;
    assert_eq!(bundle.status(), StatusCode::OK);
    assert_eq!(
        bundle
            .headers()
            .get(CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-cache")
    );
    let tag = bundle
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("an ETag");
    let json: serde_json::Value = bundle.json_or_panic().await;
    assert_eq!(json["type"], "CivitasBrowserBundle");
    let again = w
        .client
        .get(format!("{}/verify/offline-bundle.json", w.base))
        .header(IF_NONE_MATCH, &tag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let other = w
        .client
        .get(format!("{}/verify/offline-bundle.json", w.base))
        .header(IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .expect("get");
    assert_eq!(other.status(), StatusCode::OK);
}

/// JSON bodies without reqwest's `json` feature.
trait JsonBody {
    async fn json_or_panic(self) -> serde_json::Value;
}

impl JsonBody for reqwest::Response {
    async fn json_or_panic(self) -> serde_json::Value {
        let text = self.text().await.expect("body");
        serde_json::from_str(&text).expect("JSON")
    }
}
