//! The two languages of the pages, English and French, and how a request chooses one: the
//! `lang` query parameter (the language links of every page), then the `civitas_lang` cookie
//! those links set, then `Accept-Language`, else English.
//!
//! Pages keep their own words beside their markup: [`Lang::pick`] chooses between the English
//! and the French text, so there is no shared table to keep in step.

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};

/// The cookie that remembers the language chosen with a language link.
pub const LANG_COOKIE: &str = "civitas_lang";

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// The language tag (`en`, `fr`), for `<html lang>` and links.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The other language (the one the language link offers).
    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Fr,
            Self::Fr => Self::En,
        }
    }

    /// The language's own name (`English`, `Français`).
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Fr => "Français",
        }
    }

    /// `en` in English, `fr` in French.
    pub fn pick<'a>(self, en: &'a str, fr: &'a str) -> &'a str {
        match self {
            Self::En => en,
            Self::Fr => fr,
        }
    }

    /// A language tag's language, if it is one of the two (`fr-MU` is French).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "fr" => Some(Self::Fr),
            _ => None,
        }
    }

    /// The language of a request: `query_lang` (the `lang` parameter), else the cookie, else
    /// the first of the two in `Accept-Language` by its weights, else English.
    pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(lang) = query_lang.and_then(Self::from_tag) {
            return lang;
        }
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|v| Self::from_tag(&v)) {
            return lang;
        }
        accept_language(headers).unwrap_or_default()
    }

    /// The `Set-Cookie` value that remembers this language (a year, the whole site).
    pub fn cookie(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::En => "civitas_lang=en; Path=/; Max-Age=31536000; SameSite=Lax",
            Self::Fr => "civitas_lang=fr; Path=/; Max-Age=31536000; SameSite=Lax",
        })
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The preferred of English and French in `Accept-Language` (`fr-MU;q=0.9, en;q=0.8`).
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(Lang, f32)> = None;
    for item in value.split(',').take(32) {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_tag) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((lang, q));
        }
    }
    best.filter(|(_, q)| *q > 0.0).map(|(l, _)| l)
}

/// The page language as an extractor ([`Lang::negotiate`] on the request's `lang` query
/// parameter and headers).
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query_lang = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == "lang")
                .map(|(_, v)| v)
        });
        Ok(Self::negotiate(query_lang, &parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn query_then_cookie_then_accept_language() {
        let h = headers(&[
            ("cookie", "a=b; civitas_lang=fr"),
            ("accept-language", "en"),
        ]);
        assert_eq!(Lang::negotiate(Some("en"), &h), Lang::En);
        assert_eq!(Lang::negotiate(None, &h), Lang::Fr);
        let h = headers(&[("accept-language", "de, en;q=0.5, fr-MU;q=0.9")]);
        assert_eq!(Lang::negotiate(None, &h), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("xx"), &HeaderMap::new()), Lang::En);
    }
}
