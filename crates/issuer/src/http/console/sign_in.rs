//! Signing in with an issuer token (exchanged for a session cookie) and signing out.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use civitas_web::{Lang, Nav, Page, escape};

use super::csrf::{
    FIELD, PRE_COOKIE, check_origin, cleared_pre_cookie, hidden_field, pre_session, same_secret,
    uri_host,
};
use super::error::{ConsoleError, CsrfFailure};
use super::form::{Fields, Input};
use super::session::{SignedIn, cleared_session_cookie, request_lang, session_cookie, sessions};
use crate::issuer::Issuer;

/// A 303 to `to`, with the page headers.
pub(crate) fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    civitas_web::layout::security_headers(r.headers_mut());
    r
}

/// The sign-in page, with a fresh pre-session token; `error` (text) above the form.
fn form_page(lang: Lang, error: Option<&str>, status: StatusCode) -> Response {
    let l = lang;
    let (token, cookie) = pre_session();
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"alert\" role=\"alert\" id=\"error\"><p>{}</p></div>",
            escape(e)
        )
    });
    let input = Input {
        id: "token",
        label: l.pick("Issuer token", "Jeton de l'émetteur"),
        kind: "password",
        required: true,
        hint: Some(l.pick(
            "The token you were given (it starts with civ_). It is exchanged for a session of 30 minutes; it is not kept in the browser.",
            "Le jeton qui vous a été remis (il commence par civ_). Il est échangé contre une session de 30 minutes ; il n'est pas gardé dans le navigateur.",
        )),
        error: error.map(|_| l.pick("This token was not accepted.", "Ce jeton n'a pas été accepté.")),
        extra: " autocomplete=\"off\" spellcheck=\"false\"",
        ..Input::default()
    };
    Page::new(
        lang,
        Nav::SignIn,
        "/console/sign-in",
        l.pick("Sign in", "Connexion"),
    )
    .status(status)
    .cookie(cookie)
    .main(format!(
        "{alert}<form method=\"post\" action=\"/console/sign-in\" id=\"sign-in-form\">{csrf}{input}\
         <button type=\"submit\" id=\"sign-in-button\">{button}</button></form>",
        csrf = hidden_field(&token),
        input = input.html(),
        button = l.pick("Sign in", "Se connecter"),
    ))
    .into_response()
}

/// `GET /console/sign-in`.
pub(crate) async fn page(State(issuer): State<Arc<Issuer>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if SignedIn::of(&parts, &issuer).is_ok() {
        return see_other("/console");
    }
    form_page(request_lang(&parts), None, StatusCode::OK)
}

/// `POST /console/sign-in`: the pre-session token must match its cookie, the request must come
/// from this service, and the token must be one the issuer knows.
pub(crate) async fn submit(State(issuer): State<Arc<Issuer>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let lang = request_lang(&parts);
    let refused = |e: ConsoleError| e.page(lang, Nav::SignIn);
    if let Err(e) = check_origin(&parts.headers, uri_host(&parts).as_deref(), &issuer) {
        return refused(e);
    }
    let pre = civitas_web::lang::cookie(&parts.headers, PRE_COOKIE).unwrap_or_default();
    let sessions = match sessions(&parts) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let fields = match Fields::read(Request::from_parts(parts, body)).await {
        Ok(f) => f,
        Err(e) => return refused(e),
    };
    match fields.get(FIELD) {
        Some(given) if !pre.is_empty() && same_secret(given, &pre) => {}
        Some(_) => return refused(ConsoleError::Csrf(CsrfFailure::Wrong)),
        None => return refused(ConsoleError::Csrf(CsrfFailure::Missing)),
    }
    let token = fields.text("token").unwrap_or_default();
    let record = match issuer.authenticate(token) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return form_page(
                lang,
                Some(lang.pick(
                    "This token is not one of this issuer's tokens.",
                    "Ce jeton n'est pas un jeton de cet émetteur.",
                )),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(e) => return refused(e.into()),
    };
    let id = match sessions.open(&record) {
        Ok(id) => id,
        Err(e) => return refused(e),
    };
    let cookie = match session_cookie(&id) {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    let mut r = see_other("/console");
    r.headers_mut().append(SET_COOKIE, cookie);
    r.headers_mut().append(SET_COOKIE, cleared_pre_cookie());
    r
}

/// `POST /console/sign-out`: ends the session. The header's sign-out form (drawn by the shared
/// frame) may not carry the CSRF token: then the browser's `Origin` or `Sec-Fetch-Site` must
/// say the request comes from this service; a token that is given must be right.
pub(crate) async fn sign_out(State(issuer): State<Arc<Issuer>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let lang = request_lang(&parts);
    let Ok(session) = SignedIn::of(&parts, &issuer) else {
        let mut r = see_other("/console/sign-in");
        r.headers_mut().append(SET_COOKIE, cleared_session_cookie());
        return r;
    };
    let refused = |e: ConsoleError| e.page(lang, session.nav());
    if let Err(e) = check_origin(&parts.headers, uri_host(&parts).as_deref(), &issuer) {
        return refused(e);
    }
    let sessions = match sessions(&parts) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let fields = match Fields::read(Request::from_parts(parts, body)).await {
        Ok(f) => f,
        Err(e) => return refused(e),
    };
    match fields.get(FIELD) {
        Some(given) if same_secret(given, &session.csrf) => {}
        Some(_) => return refused(ConsoleError::Csrf(CsrfFailure::Wrong)),
        None => return refused(ConsoleError::Csrf(CsrfFailure::Missing)),
    }
    if let Err(e) = sessions.close(&session.id) {
        return refused(e);
    }
    let mut r = see_other("/console/sign-in");
    r.headers_mut().append(SET_COOKIE, cleared_session_cookie());
    r
}
