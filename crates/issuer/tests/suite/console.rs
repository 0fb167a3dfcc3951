//! The registrar's console (`/console`) against a real issuer over HTTPS on 127.0.0.1, driven
//! like a browser without JavaScript: cookies kept by hand, forms POSTed with their hidden CSRF
//! field, redirects not followed (their targets are checked).

use std::collections::BTreeMap;
use std::time::Duration;

use civitas_issuer::http::tls;
use civitas_issuer::{Action, DidMethod};
use serde_json::json;

use crate::common::{TestServer, birth_body};

/// A browser: its cookies, and the console's answers.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    /// Every `Set-Cookie` received, as sent.
    set_cookies: Vec<String>,
    /// Headers sent with every request (`Accept-Language`, `Origin`).
    extra: Vec<(&'static str, String)>,
}

/// An answer: status, `Location`, body.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<String>,
    content_type: String,
    body: String,
    bytes: Vec<u8>,
}

impl Browser {
    fn new(server: &TestServer, dir: &std::path::Path) -> Self {
        let cert = std::fs::read(tls::self_signed_cert_path(dir)).unwrap();
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        Self {
            client,
            base: server.base.clone(),
            cookies: BTreeMap::new(),
            set_cookies: Vec::new(),
            extra: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let mut request = request.header("cookie", self.cookie_header());
        for (k, v) in &self.extra {
            request = request.header(*k, v);
        }
        let r = request.send().await.unwrap();
        for v in r.headers().get_all("set-cookie") {
            let text = v.to_str().unwrap().to_owned();
            let pair = text.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
            self.set_cookies.push(text);
        }
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = r.bytes().await.unwrap().to_vec();
        Answer {
            status,
            location,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// Signs in with `token`; returns the answer to the sign-in POST.
    async fn sign_in(&mut self, token: &str) -> Answer {
        let page = self.get("/console/sign-in").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = csrf_of(&page.body);
        self.post("/console/sign-in", &[("csrf", &csrf), ("token", token)])
            .await
    }

    /// The CSRF token of the session (from the search page's form).
    async fn csrf(&mut self) -> String {
        let page = self.get("/console").await;
        assert_eq!(page.status, 200, "{}", page.body);
        csrf_of(&page.body)
    }
}

/// `text` for a form body (`application/x-www-form-urlencoded`).
fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value of the first hidden `csrf` field of a page.
fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

async fn issue_birth(server: &TestServer, source: &str, given: &str, number: &str) -> String {
    let mut body = birth_body(source);
    body["givenName"] = json!(given);
    body["registration"]["registrationNumber"] = json!(number);
    let (s, r) = server.post("/birth-certificates", &body).await;
    assert_eq!(s, 201, "{r}");
    r["credentialId"].as_str().unwrap().to_owned()
}

async fn token(server: &TestServer, name: &str, actions: &[Action]) -> String {
    server
        .issuer
        .create_token(name, actions, "test")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn console_sign_in_gives_a_strict_session_cookie_that_sign_out_ends() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let mut b = Browser::new(&server, dir.path());

    // not signed in: sent to the sign-in page
    let r = b.get("/console").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/console/sign-in"));

    // a wrong token: 401, no session
    let r = b.sign_in("civ_not-a-token").await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(!b.cookies.contains_key("civitas_console"));

    // the sign-in form without its pre-session token: refused
    let r = b
        .post("/console/sign-in", &[("token", server.token())])
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(!b.cookies.contains_key("civitas_console"));

    // the sign-in form from another site: refused
    let page = b.get("/console/sign-in").await;
    let csrf = csrf_of(&page.body);
    b.extra = vec![("origin", "https://evil.example".to_owned())];
    let r = b
        .post(
            "/console/sign-in",
            &[("csrf", &csrf), ("token", server.token())],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    b.extra.clear();

    // the right token: a session cookie with every attribute
    let r = b.sign_in(server.token()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/console"));
    let cookie = b
        .set_cookies
        .iter()
        .rev()
        .find(|c| c.starts_with("civitas_console="))
        .unwrap()
        .clone();
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=1800",
    ] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let id = cookie
        .trim_start_matches("civitas_console=")
        .split(';')
        .next()
        .unwrap();
    assert_eq!(id.len(), 43, "32 random bytes, base64url");
    assert!(
        b.set_cookies
            .iter()
            .any(|c| c.starts_with("civitas_console_pre=") && c.contains("SameSite=Strict"))
    );

    let page = b.get("/console").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"search-form\""));
    assert!(page.body.contains("<html lang=\"en\">"));
    assert_eq!(page.content_type, "text/html; charset=utf-8", "a page");

    // French when the browser asks for it
    b.extra = vec![("accept-language", "fr-MU, fr;q=0.9, en;q=0.5".to_owned())];
    let page = b.get("/console").await;
    assert!(page.body.contains("<html lang=\"fr\">"), "{}", page.body);
    assert!(page.body.contains("Trouver un acte"));
    b.extra.clear();

    // signing out ends the session: the same cookie no longer opens a page
    let kept = b.cookies.clone();
    let csrf = b.csrf().await;
    let r = b.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/console/sign-in"));
    b.cookies = kept;
    let r = b.get("/console").await;
    assert_eq!(r.status, 303, "the session is gone");
    assert_eq!(r.location.as_deref(), Some("/console/sign-in"));

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn console_forms_need_their_csrf_token_and_the_tokens_actions() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let id = issue_birth(&server, "src-csrf", "Marie-Claire", "PW/B/2024/000001").await;
    let clerk = token(&server, "clerk", &[Action::Issue, Action::Status]).await;
    let mut b = Browser::new(&server, dir.path());
    assert_eq!(b.sign_in(&clerk).await.status, 303);
    let csrf = b.csrf().await;
    let status_path = format!("/console/records/{id}/status");

    // the session cookie alone changes nothing: no token, a wrong token, another site
    let r = b
        .post(&status_path, &[("action", "revoke"), ("reason", "forged")])
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("CSRF"), "{}", r.body);
    let r = b
        .post(
            &status_path,
            &[
                ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("action", "revoke"),
                ("reason", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    b.extra = vec![("origin", "https://evil.example".to_owned())];
    let r = b
        .post(
            &status_path,
            &[("csrf", &csrf), ("action", "revoke"), ("reason", "forged")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    b.extra = vec![("sec-fetch-site", "cross-site".to_owned())];
    let r = b
        .post(
            &status_path,
            &[("csrf", &csrf), ("action", "revoke"), ("reason", "forged")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    b.extra.clear();
    let (record, _) = server.issuer.credential(&id).unwrap().unwrap();
    assert!(
        record.revoked_at.is_none() && !record.suspended,
        "nothing changed"
    );
    let audit = server.issuer.audit(1, 1000).unwrap();
    assert!(
        audit.iter().all(|e| e.action.as_str() != "revoke"),
        "nothing was logged"
    );

    // a token without `admin`: no key page link, no key page, no rotation
    let page = b.get("/console").await;
    assert!(
        !page.body.contains("href=\"/console/keys\""),
        "{}",
        page.body
    );
    let r = b.get("/console/keys").await;
    assert_eq!(r.status, 403);
    let keys_before = server.issuer.keys().len();
    let r = b.post("/console/keys/rotate", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(server.issuer.keys().len(), keys_before, "no key was added");
    assert_eq!(b.get("/console/audit").await.status, 403);

    // a token with `status` only: no issue form, no printed certificate, no offer
    let checker = token(&server, "checker", &[Action::Status]).await;
    let mut c = Browser::new(&server, dir.path());
    assert_eq!(c.sign_in(&checker).await.status, 303);
    let page = c.get(&format!("/console/records/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"revoke-form\""));
    assert!(!page.body.contains("certificate.png"));
    assert!(!page.body.contains("id=\"offer-form\""));
    assert_eq!(c.get("/console/issue/birth-certificate").await.status, 403);
    assert_eq!(
        c.get(&format!("/console/records/{id}/certificate.pdf"))
            .await
            .status,
        403
    );
    let csrf_c = c.csrf().await;
    let r = c
        .post(
            "/console/issue/birth-certificate",
            &[("csrf", &csrf_c), ("sourceRecordId", "x")],
        )
        .await;
    assert_eq!(r.status, 403);

    // a token with `issue` only: no status forms, and a status POST is refused
    let printer = token(&server, "printer", &[Action::Issue]).await;
    let mut p = Browser::new(&server, dir.path());
    assert_eq!(p.sign_in(&printer).await.status, 303);
    let page = p.get(&format!("/console/records/{id}")).await;
    assert!(!page.body.contains("id=\"revoke-form\""));
    let csrf_p = p.csrf().await;
    let r = p
        .post(
            &status_path,
            &[
                ("csrf", &csrf_p),
                ("action", "revoke"),
                ("reason", "no right"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let (record, _) = server.issuer.credential(&id).unwrap().unwrap();
    assert!(record.revoked_at.is_none());

    // the admin rotates the key from the console
    let mut a = Browser::new(&server, dir.path());
    assert_eq!(a.sign_in(server.token()).await.status, 303);
    let page = a.get("/console/keys").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/console/keys\""));
    let csrf_a = csrf_of(&page.body);
    let r = a.post("/console/keys/rotate", &[("csrf", &csrf_a)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("id=\"rotation-notice\""));
    assert_eq!(server.issuer.keys().len(), keys_before + 1);

    server.stop().await;
}

/// The birth certificate form filled with the sample record.
fn birth_form(csrf: &str, birth_date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_owned()),
        ("sourceRecordId", "PW/B/2025/000777".to_owned()),
        ("givenName", "Aurélie".to_owned()),
        ("givenName-fr", String::new()),
        ("familyName", "Ramsamy".to_owned()),
        ("sex", "F".to_owned()),
        ("birthDate", birth_date.to_owned()),
        ("birthTime", "09:15".to_owned()),
        ("birthPlace-name", "Victoria Hospital".to_owned()),
        ("birthPlace-addressLocality", "Candos".to_owned()),
        ("birthPlace-district", "Plaines Wilhems".to_owned()),
        ("birthPlace-addressCountry", "MU".to_owned()),
        ("mother-givenName", "Anne".to_owned()),
        ("mother-familyName", "Ramsamy".to_owned()),
        ("mother-nationalId", String::new()),
        ("father-givenName", String::new()),
        ("father-familyName", String::new()),
        (
            "registration-registrationNumber",
            "PW/B/2025/000777".to_owned(),
        ),
        (
            "registration-registrationOffice",
            "Civil Status Office, Rose Hill".to_owned(),
        ),
        ("registration-registrationDate", "2025-01-20".to_owned()),
        ("registration-registrar", "A. Ramdin".to_owned()),
    ]
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn console_finds_issues_prints_revokes_and_shows_the_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let first = issue_birth(&server, "src-1", "Marie-Claire", "PW/B/2024/000101").await;
    let second = issue_birth(&server, "src-2", "Jean-Paul", "PW/B/2024/000102").await;
    let mut b = Browser::new(&server, dir.path());
    assert_eq!(b.sign_in(server.token()).await.status, 303);
    let csrf = b.csrf().await;

    // search: by name, by registration number, by source record id; terms never in a URL
    let r = b
        .post(
            "/console/search",
            &[("csrf", &csrf), ("name", "lebon jean-paul")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("href=\"/console/records/{second}\""))
    );
    assert!(
        !r.body
            .contains(&format!("href=\"/console/records/{first}\""))
    );
    let r = b
        .post(
            "/console/search",
            &[("csrf", &csrf), ("registrationNumber", "pw/b/2024/000101")],
        )
        .await;
    assert!(
        r.body
            .contains(&format!("href=\"/console/records/{first}\""))
    );
    assert!(
        !r.body
            .contains(&format!("href=\"/console/records/{second}\""))
    );
    let r = b
        .post(
            "/console/search",
            &[("csrf", &csrf), ("sourceRecordId", "src-2")],
        )
        .await;
    assert!(
        r.body
            .contains(&format!("href=\"/console/records/{second}\""))
    );
    let r = b
        .post(
            "/console/search",
            &[("csrf", &csrf), ("name", "Nobody-Here")],
        )
        .await;
    assert!(r.body.contains("id=\"result-count\""));
    assert!(!r.body.contains("/console/records/urn"));
    let r = b
        .post(
            "/console/search",
            &[("csrf", &csrf), ("issuedFrom", "not a date")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"error-issuedFrom\""));

    // the issue form, generated from the profile
    let form_page = b.get("/console/issue/birth-certificate").await;
    assert_eq!(form_page.status, 200, "{}", form_page.body);
    for id in [
        "givenName",
        "birthDate",
        "birthPlace-addressLocality",
        "registration-registrationNumber",
    ] {
        assert!(
            form_page.body.contains(&format!("<label for=\"{id}\">")),
            "{id} has a label"
        );
    }
    assert!(form_page.body.contains("<legend>Place of birth</legend>"));
    assert!(
        form_page
            .body
            .contains("<option value=\"F\">Female</option>")
    );

    // one wrong field (a birth date after the registration date): 422, the error next to it,
    // the form filled again
    let wrong = birth_form(&csrf, "2025-02-01");
    let r = b
        .post("/console/issue/birth-certificate", &pairs(&wrong))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"error-summary\""), "{}", r.body);
    let error_at = |body: &str, id: &str| {
        body.contains(&format!("id=\"error-{id}\""))
            && body.contains(&format!("aria-describedby=\"error-{id}"))
    };
    assert!(
        error_at(&r.body, "registration-registrationDate") || error_at(&r.body, "birthDate"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(
        r.body.contains("value=\"Aurélie\""),
        "typed values are kept"
    );
    assert!(
        server.issuer.credential_count().unwrap() == 2,
        "nothing issued"
    );

    // corrected: 303 to the new record's page
    let right = birth_form(&csrf, "2025-01-10");
    let r = b
        .post("/console/issue/birth-certificate", &pairs(&right))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.location.unwrap();
    let new_id = location
        .strip_prefix("/console/records/")
        .unwrap()
        .to_owned();
    let (record, _) = server.issuer.credential(&new_id).unwrap().unwrap();
    assert_eq!(record.source_record_id.as_deref(), Some("PW/B/2025/000777"));
    assert_eq!(record.issued_by, "admin");

    // its page: the fields with their labels, the certificate as it prints
    let page = b.get(&location).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<dt>Given name(s)</dt><dd>Aurélie</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dt>Sex</dt><dd>Female</dd>"));
    assert!(page.body.contains("certificate.png"));
    let png = b.get(&format!("{location}/qr.png")).await;
    assert_eq!(png.status, 200);
    assert_eq!(png.content_type, "image/png");
    assert!(png.bytes.starts_with(b"\x89PNG"));
    let pdf = b.get(&format!("{location}/certificate.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let french = {
        b.extra = vec![("accept-language", "fr".to_owned())];
        let p = b.get(&location).await;
        b.extra.clear();
        p
    };
    assert!(
        french.body.contains("<dt>Sexe</dt><dd>Féminin</dd>"),
        "{}",
        french.body
    );

    // an offer for the citizen's wallet: a QR code and a transaction code
    let r = b
        .post(&format!("{location}/offer"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("src=\"data:image/png;base64,"));
    assert!(r.body.contains("id=\"tx-code\""));

    // revoking needs a reason
    let r = b
        .post(
            &format!("/console/records/{first}/status"),
            &[("csrf", &csrf), ("action", "revoke"), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        server
            .issuer
            .credential(&first)
            .unwrap()
            .unwrap()
            .0
            .revoked_at
            .is_none()
    );

    // revoke with a reason: the list is re-signed and published; the audit entry has the reason
    let list = server
        .issuer
        .credential(&first)
        .unwrap()
        .unwrap()
        .0
        .revocation
        .list;
    let before = server.issuer.published_list(&list).map(|l| l.version);
    let r = b
        .post(
            &format!("/console/records/{first}/status"),
            &[
                ("csrf", &csrf),
                ("action", "revoke"),
                ("reason", "registered in error"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("id=\"re-signed-lists\""), "{}", r.body);
    assert!(r.body.contains("data-published=\"true\""), "{}", r.body);
    assert!(r.body.contains(&list), "the re-signed list is named");
    let (record, _) = server.issuer.credential(&first).unwrap().unwrap();
    assert!(record.revoked_at.is_some());
    let after = server.issuer.published_list(&list).map(|l| l.version);
    assert_ne!(before, after, "the revocation list was re-signed");
    let audit = server.issuer.audit(1, 1000).unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action.as_str() == "revoke" && e.subject == first)
        .unwrap();
    assert_eq!(entry.details["reason"], "registered in error");
    assert_eq!(entry.actor, "admin");

    // the audit log page: the chain verified, the reason shown
    let page = b.get("/console/audit").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("data-verdict=\"valid\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("The audit chain is intact."));
    assert!(page.body.contains("registered in error"));

    server.stop().await;
}

/// Behind a load balancer a clerk's requests reach any instance of an issuer sharing its
/// PostgreSQL registry: a session opened at one is known at the other, and signing out at one
/// ends it at both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_session_opened_at_one_instance_works_at_another() {
    let Some(pg) = civitas_testkit::postgres::PgServer::shared() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let (servers, token) = crate::instances::start_instances(&pg.database(), 2, root.path()).await;
    let mut b = Browser::new(&servers[0], &root.path().join("instance-1"));
    let signed_in = b.sign_in(&token).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = b.cookies.get("civitas_console").cloned().unwrap();
    // the next request reaches the other instance
    b.base = servers[1].base.clone();
    let page = b.get("/console").await;
    assert_eq!(page.status, 200, "{:?}", page.location);
    let csrf = csrf_of(&page.body);
    let out = b.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(!b.cookies.contains_key("civitas_console"));
    // the first instance no longer knows it either
    b.base = servers[0].base.clone();
    b.cookies.insert("civitas_console".to_owned(), session);
    let page = b.get("/console").await;
    assert_eq!(page.status, 303);
    assert!(
        page.location
            .as_deref()
            .unwrap()
            .contains("/console/sign-in"),
        "{:?}",
        page.location
    );
}
