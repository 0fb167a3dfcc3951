//! What can go wrong on a console page, and the page that says so (in the page's language, with
//! the status code that fits). Nothing personal is logged: only internal failures are, and
//! their messages name no record content.

use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use civitas_web::{Lang, Nav, Page, escape};

use super::session::cleared_session_cookie;
use crate::error::{ErrorKind, IssuerError};
use crate::tokens::Action;

/// Why a form was refused as a possible cross-site request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsrfFailure {
    /// The form has no `csrf` field.
    Missing,
    /// The form's `csrf` field is not the session's token.
    Wrong,
    /// The browser says the request comes from another site (`Origin`, `Sec-Fetch-Site`).
    CrossSite,
}

/// A console error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConsoleError {
    /// No live session: the browser is sent to the sign-in page.
    #[error("not signed in")]
    NotSignedIn,
    /// The session's token does not allow the action.
    #[error("the token does not allow `{}`", .0.as_str())]
    Forbidden(Action),
    /// A POST without the session's CSRF token, or from another site.
    #[error("cross-site request refused: {0:?}")]
    Csrf(CsrfFailure),
    /// No such record, or no such document type.
    #[error("not found: {0}")]
    NotFound(String),
    /// The form could not be read.
    #[error("the form could not be read: {0}")]
    Form(String),
    /// The session store is unusable (a poisoned lock).
    #[error("the session store is unavailable")]
    SessionStore,
    /// The issuer refused or failed.
    #[error(transparent)]
    Issuer(#[from] IssuerError),
}

impl ConsoleError {
    /// The status code of the page.
    fn status(&self) -> StatusCode {
        match self {
            Self::NotSignedIn => StatusCode::SEE_OTHER,
            Self::Forbidden(_) | Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Form(_) => StatusCode::BAD_REQUEST,
            Self::SessionStore => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Issuer(e) => match e.kind() {
                ErrorKind::BadRequest => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorKind::Conflict => StatusCode::CONFLICT,
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
                ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// The page saying what went wrong, in `lang`, with the navigation `nav` (the sign-in page's
    /// when the clerk is not known).
    pub(crate) fn page(self, lang: Lang, nav: Nav) -> Response {
        let status = self.status();
        if status == StatusCode::SEE_OTHER {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut()
                .insert(LOCATION, HeaderValue::from_static("/console/sign-in"));
            r.headers_mut().append(SET_COOKIE, cleared_session_cookie());
            civitas_web::layout::security_headers(r.headers_mut());
            return r;
        }
        if status.is_server_error() {
            // the message of an internal failure names no record content
            tracing::warn!(target: "civitas::console", error = %self, "console request failed");
        }
        let l = lang;
        let (title, text) = match &self {
            Self::Forbidden(action) => (
                l.pick("Not allowed", "Non autorisé").to_owned(),
                format!(
                    "{} <code>{}</code>.",
                    l.pick(
                        "Your token does not allow this. It would need the action",
                        "Votre jeton ne le permet pas. Il faudrait l'action"
                    ),
                    action.as_str()
                ),
            ),
            Self::Csrf(failure) => (
                l.pick("Request refused", "Requête refusée").to_owned(),
                match failure {
                    CsrfFailure::CrossSite => l
                        .pick(
                            "This form was sent from another site. Nothing was changed.",
                            "Ce formulaire a été envoyé depuis un autre site. Rien n'a été modifié.",
                        )
                        .to_owned(),
                    CsrfFailure::Missing | CsrfFailure::Wrong => l
                        .pick(
                            "This form does not carry this session's security token (CSRF): it may come from another site, or from an earlier session. Nothing was changed. Open the page again and resend the form.",
                            "Ce formulaire ne porte pas le jeton de sécurité (CSRF) de cette session : il vient peut-être d'un autre site ou d'une session précédente. Rien n'a été modifié. Ouvrez la page à nouveau et renvoyez le formulaire.",
                        )
                        .to_owned(),
                },
            ),
            Self::NotFound(what) => (
                l.pick("Not found", "Introuvable").to_owned(),
                escape(what),
            ),
            Self::Form(why) => (
                l.pick("The form could not be read", "Le formulaire est illisible")
                    .to_owned(),
                escape(why),
            ),
            Self::NotSignedIn => (
                l.pick("Sign in", "Connexion").to_owned(),
                l.pick("Sign in first.", "Connectez-vous d'abord.").to_owned(),
            ),
            Self::SessionStore => (
                l.pick("Unavailable", "Indisponible").to_owned(),
                l.pick(
                    "The console cannot keep sessions right now. Try again later.",
                    "La console ne peut pas tenir de session pour le moment. Réessayez plus tard.",
                )
                .to_owned(),
            ),
            Self::Issuer(e) => (
                match e.kind() {
                    ErrorKind::Internal | ErrorKind::Unavailable => {
                        l.pick("The registry failed", "Le registre a échoué")
                    }
                    _ => l.pick("Refused", "Refusé"),
                }
                .to_owned(),
                escape(&e.to_string()),
            ),
        };
        Page::new(lang, nav, "/console", title)
            .status(status)
            .main(format!(
                "<div class=\"alert\" role=\"alert\" id=\"error\"><p>{text}</p></div>\
                 <p><a href=\"/console\">{}</a></p>",
                l.pick("Back to the records", "Retour aux actes")
            ))
            .into_response()
    }
}

/// The response of a handler: its page, or the error page.
pub(crate) fn respond(lang: Lang, nav: Nav, result: Result<Response, ConsoleError>) -> Response {
    result.unwrap_or_else(|e| e.page(lang, nav))
}
