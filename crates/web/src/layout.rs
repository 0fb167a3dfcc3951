//! The page every screen is drawn in: `<html lang>`, the title, the stylesheet, a skip link, the
//! header with the service's name, its navigation and the language link, the main content, and
//! the security headers every page is sent with (a strict Content Security Policy: scripts,
//! styles and images from the service itself only; no framing; nothing cached).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::html::escape;
use crate::lang::Lang;

/// The Content Security Policy of every page: nothing from outside the service, no inline
/// script or style, no framing, forms posted only to the service.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; \
worker-src 'self' blob:; connect-src 'self'; manifest-src 'self'; font-src 'self'; \
object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Which navigation a page shows in its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nav {
    /// The registrar's console, signed in.
    Console(ConsoleNav),
    /// The console's sign-in page: no navigation.
    SignIn,
    /// The public verifier page.
    Verifier,
}

/// The console's navigation: what the signed-in token may do decides which links are shown
/// (the console also refuses what is not shown), and the sign-out form carries the session's
/// CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleNav {
    /// The token may issue: the issue form is linked.
    pub issue: bool,
    /// The token is an admin's: the audit log and the keys are linked.
    pub admin: bool,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
}

/// One page, rendered by [`Page::into_response`].
#[derive(Debug, Clone)]
pub struct Page {
    /// Its language.
    pub lang: Lang,
    /// The title (text, escaped when written), also the `<h1>` unless `heading` is false.
    pub title: String,
    /// The path of the page, for the language link (`/console/records`): no query, so nothing
    /// personal is copied into a link.
    pub path: String,
    /// The navigation.
    pub nav: Nav,
    /// The main content (HTML, already escaped where it holds outside text).
    pub main: String,
    /// Extra elements for `<head>` (a manifest link).
    pub head: String,
    /// Scripts (URLs on the service), loaded as modules at the end of the body.
    pub scripts: Vec<String>,
    /// The status code (200 unless set).
    pub status: StatusCode,
    /// Extra `Set-Cookie` values.
    pub cookies: Vec<HeaderValue>,
}

impl Page {
    /// A page with `title` at `path`, nothing in it yet.
    pub fn new(lang: Lang, nav: Nav, path: &str, title: impl Into<String>) -> Self {
        Self {
            lang,
            title: title.into(),
            path: path.to_owned(),
            nav,
            main: String::new(),
            head: String::new(),
            scripts: Vec::new(),
            status: StatusCode::OK,
            cookies: Vec::new(),
        }
    }

    /// Sets the main content.
    pub fn main(mut self, html: impl Into<String>) -> Self {
        self.main = html.into();
        self
    }

    /// Sets the status code.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Adds a module script.
    pub fn script(mut self, url: &str) -> Self {
        self.scripts.push(url.to_owned());
        self
    }

    /// Adds elements to `<head>`.
    pub fn head(mut self, html: &str) -> Self {
        self.head.push_str(html);
        self
    }

    /// Adds a `Set-Cookie` value.
    pub fn cookie(mut self, value: HeaderValue) -> Self {
        self.cookies.push(value);
        self
    }

    fn nav_html(&self) -> String {
        let l = self.lang;
        let mut links: Vec<(&str, &str, &str)> = Vec::new();
        if let Nav::Console(console) = &self.nav {
            links.push(("/console", "Records", "Actes"));
            if console.issue {
                links.push(("/console/issue", "Issue", "Délivrer"));
            }
            if console.admin {
                links.push(("/console/audit", "Audit log", "Journal d'audit"));
                links.push(("/console/keys", "Keys", "Clés"));
            }
            links.push(("/verify", "Verify", "Vérifier"));
        }
        let mut html = String::new();
        if !links.is_empty() {
            html.push_str(&format!(
                "<nav aria-label=\"{}\"><ul>",
                l.pick("Main", "Principale")
            ));
            for (href, en, fr) in links {
                let current = if self.path == href {
                    " aria-current=\"page\""
                } else {
                    ""
                };
                html.push_str(&format!(
                    "<li><a href=\"{href}\"{current}>{}</a></li>",
                    l.pick(en, fr)
                ));
            }
            html.push_str("</ul></nav>");
        }
        html
    }

    /// The whole document.
    pub fn to_html(&self) -> String {
        let l = self.lang;
        let other = l.other();
        let service = match &self.nav {
            Nav::Console(_) | Nav::SignIn => l.pick(
                "civitas — registrar's console",
                "civitas — console de l'état civil",
            ),
            Nav::Verifier => l.pick(
                "civitas — check a document",
                "civitas — vérifier un document",
            ),
        };
        let sign_out = match &self.nav {
            Nav::Console(console) => format!(
                "<form method=\"post\" action=\"/console/sign-out\" class=\"sign-out\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\">{}</button></form>",
                escape(&console.csrf),
                l.pick("Sign out", "Se déconnecter")
            ),
            _ => String::new(),
        };
        let scripts: String = self
            .scripts
            .iter()
            .map(|s| format!("<script type=\"module\" src=\"{}\"></script>", escape(s)))
            .collect();
        format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} · civitas</title>\n\
             <link rel=\"stylesheet\" href=\"/assets/civitas.css\">\n{head}</head>\n<body>\n\
             <a class=\"skip\" href=\"#main\">{skip}</a>\n\
             <header><p class=\"service\">{service}</p>{nav}\
             <p class=\"lang\"><a href=\"{path}?lang={other_code}\" lang=\"{other_code}\" hreflang=\"{other_code}\">{other_name}</a></p>{sign_out}</header>\n\
             <main id=\"main\" tabindex=\"-1\">\n<h1>{title}</h1>\n{main}\n</main>\n{scripts}\n</body>\n</html>\n",
            lang = l.code(),
            title = escape(&self.title),
            head = self.head,
            skip = l.pick("Skip to the content", "Aller au contenu"),
            nav = self.nav_html(),
            path = escape(&self.path),
            other_code = other.code(),
            other_name = other.name(),
            main = self.main,
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let html = self.to_html();
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        security_headers(headers);
        for cookie in self.cookies {
            headers.append(SET_COOKIE, cookie);
        }
        response
    }
}

/// The headers of every page: the Content Security Policy, no MIME sniffing, the referrer only
/// to the service itself (a page's URL never leaves it; `no-referrer` would make browsers send
/// `Origin: null` with the pages' own forms, which the console's origin check refuses), no
/// framing, never cached.
pub fn security_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_is_escaped_and_the_language_link_offers_the_other_language() {
        let page = Page::new(Lang::Fr, Nav::Verifier, "/verify", "<b>x</b>").main("<p>ok</p>");
        let html = page.to_html();
        assert!(html.contains("<html lang=\"fr\">"));
        assert!(html.contains("<h1>&lt;b&gt;x&lt;/b&gt;</h1>"));
        assert!(html.contains("href=\"/verify?lang=en\""));
        assert!(html.contains("<p>ok</p>"));
    }
}
