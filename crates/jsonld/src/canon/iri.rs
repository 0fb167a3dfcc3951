//! IRI helpers of the fast path: validity (the same `iref` grammar the general path uses),
//! keyword shapes, and RFC 3986 reference resolution (only used when a base IRI is given).

/// Whether `s` is an absolute IRI by the grammar the general path (`iref`) applies.
pub(crate) fn is_absolute_iri(s: &str) -> bool {
    simple_absolute_iri(s) || ssi::json_ld::iref::Iri::new(s).is_ok()
}

/// Character classes of ASCII bytes in an IRI, as bits of [`CLASS`].
const UNRESERVED_OR_SUB_DELIM: u8 = 1;
const COLON: u8 = 2;
const AT: u8 = 4;
const SLASH: u8 = 8;
const QUESTION: u8 = 16;
/// `pchar` of RFC 3986 without percent-encoding.
const PCHAR: u8 = UNRESERVED_OR_SUB_DELIM | COLON | AT;

/// The class bits of every byte (a table: IRIs are checked byte by byte on every verify).
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = UNRESERVED_OR_SUB_DELIM;
        }
        b += 1;
    }
    let others = b"-._~!$&'()*+,;=";
    let mut i = 0;
    while i < others.len() {
        t[others[i] as usize] = UNRESERVED_OR_SUB_DELIM;
        i += 1;
    }
    t[b':' as usize] = COLON;
    t[b'@' as usize] = AT;
    t[b'/' as usize] = SLASH;
    t[b'?' as usize] = QUESTION;
    t
};

/// Whether every byte of `bytes` is in one of the classes `mask`.
fn all_in(bytes: &[u8], mask: u8) -> bool {
    bytes.iter().all(|&c| CLASS[usize::from(c)] & mask != 0)
}

/// A quick check for the common shape of IRIs (ASCII, no percent-encoding, no IP literal):
/// `true` only for strings that are absolute IRIs under RFC 3987 (and so under `iref`, which the
/// unit tests cross-check); `false` means "not known", and the full grammar decides. One pass
/// over the bytes after the authority.
fn simple_absolute_iri(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut colon = 1;
    loop {
        match b.get(colon) {
            Some(b':') => break,
            Some(&c) if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.') => colon += 1,
            _ => return false,
        }
    }
    let rest = &b[colon + 1..];
    let mut tail = rest;
    if let Some(after) = rest.strip_prefix(b"//") {
        let end = after
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(after.len());
        if !simple_authority(&after[..end]) {
            return false;
        }
        tail = &after[end..];
    }
    // The path, then the query after the first `?`, then the fragment after the first `#`.
    const PATH: u8 = PCHAR | SLASH;
    const QUERY: u8 = PCHAR | SLASH | QUESTION;
    let mut mask = PATH;
    let mut in_fragment = false;
    for &c in tail {
        if CLASS[usize::from(c)] & mask != 0 {
            continue;
        }
        match c {
            b'?' if mask == PATH => mask = QUERY,
            b'#' if !in_fragment => {
                mask = QUERY;
                in_fragment = true;
            }
            _ => return false,
        }
    }
    true
}

/// An authority of the quick check: `userinfo@host:port` with a registered name as host.
fn simple_authority(authority: &[u8]) -> bool {
    let host_port = match authority.iter().rposition(|&c| c == b'@') {
        Some(at) => {
            if !all_in(&authority[..at], UNRESERVED_OR_SUB_DELIM | COLON) {
                return false;
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    let host = match host_port.iter().position(|&c| c == b':') {
        Some(i) => {
            if !host_port[i + 1..].iter().all(u8::is_ascii_digit) {
                return false;
            }
            &host_port[..i]
        }
        None => host_port,
    };
    all_in(host, UNRESERVED_OR_SUB_DELIM)
}

/// Whether `s` has the form of a keyword: `@` followed by one or more ASCII letters.
pub(crate) fn has_keyword_form(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 1 && b[0] == b'@' && b[1..].iter().all(u8::is_ascii_alphabetic)
}

/// The byte index of the first `:` after the first character of `s` (where a compact IRI's
/// prefix ends). Works on bytes: `:` is ASCII, so the index is always a character boundary,
/// whatever the first character is.
pub(crate) fn colon_after_first(s: &str) -> Option<usize> {
    s.bytes().skip(1).position(|b| b == b':').map(|i| i + 1)
}

/// Whether `s` is a blank node identifier (`_:` prefix).
pub(crate) fn is_blank(s: &str) -> bool {
    s.starts_with("_:")
}

/// Whether a blank node label (after `_:`) is one the fast path accepts: ASCII letters,
/// digits, `_`, `-` and `.` (not last), not empty.
pub(crate) fn is_simple_blank_label(label: &str) -> bool {
    !label.is_empty()
        && !label.ends_with('.')
        && label
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.')
}

/// Whether `iri` ends with a gen-delim character (`:/?#[]@`), which makes a simple term a
/// prefix.
pub(crate) fn ends_with_gen_delim(iri: &str) -> bool {
    matches!(
        iri.as_bytes().last(),
        Some(b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
    )
}

struct Parts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn parse(s: &str) -> Parts<'_> {
    let mut rest = s;
    let mut scheme = None;
    if let Some(i) = rest.find([':', '/', '?', '#'])
        && rest.as_bytes()[i] == b':'
        && i > 0
    {
        scheme = Some(&rest[..i]);
        rest = &rest[i + 1..];
    }
    let mut fragment = None;
    if let Some(i) = rest.find('#') {
        fragment = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    let mut query = None;
    if let Some(i) = rest.find('?') {
        query = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    let mut authority = None;
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find('/').unwrap_or(after.len());
        authority = Some(&after[..end]);
        rest = &after[end..];
    }
    Parts {
        scheme,
        authority,
        path: rest,
        query,
        fragment,
    }
}

fn remove_dot_segments(input: &str) -> String {
    let mut input = input.to_owned();
    let mut output = String::with_capacity(input.len());
    while !input.is_empty() {
        if let Some(r) = input.strip_prefix("../") {
            input = r.to_owned();
        } else if let Some(r) = input.strip_prefix("./") {
            input = r.to_owned();
        } else if input.starts_with("/./") {
            input = input[2..].to_owned();
        } else if input == "/." {
            input = "/".to_owned();
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." {
                "/".to_owned()
            } else {
                input[3..].to_owned()
            };
            match output.rfind('/') {
                Some(i) => output.truncate(i),
                None => output.clear(),
            }
        } else if input == "." || input == ".." {
            input.clear();
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            output.push_str(&input[..end]);
            input = input[end..].to_owned();
        }
    }
    output
}

/// Resolves the reference `r` against the absolute `base` (RFC 3986 §5.2, no normalisation).
pub(crate) fn resolve(r: &str, base: &str) -> String {
    let r = parse(r);
    let b = parse(base);
    let (scheme, authority, path, query);
    if let Some(s) = r.scheme {
        scheme = Some(s);
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else {
        scheme = b.scheme;
        if r.authority.is_some() {
            authority = r.authority;
            path = remove_dot_segments(r.path);
            query = r.query;
        } else {
            authority = b.authority;
            if r.path.is_empty() {
                path = b.path.to_owned();
                query = r.query.or(b.query);
            } else {
                if r.path.starts_with('/') {
                    path = remove_dot_segments(r.path);
                } else {
                    let merged = if b.authority.is_some() && b.path.is_empty() {
                        format!("/{}", r.path)
                    } else {
                        match b.path.rfind('/') {
                            Some(i) => format!("{}{}", &b.path[..=i], r.path),
                            None => r.path.to_owned(),
                        }
                    };
                    path = remove_dot_segments(&merged);
                }
                query = r.query;
            }
        }
    }
    let mut out = String::new();
    if let Some(s) = scheme {
        out.push_str(s);
        out.push(':');
    }
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    out.push_str(&path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = r.fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_examples() {
        let base = "http://a/b/c/d;p?q";
        for (r, want) in [
            ("g:h", "g:h"),
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            (";x", "http://a/b/c/;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            ("g..", "http://a/b/c/g.."),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
        ] {
            assert_eq!(resolve(r, base), want, "{r}");
        }
    }

    #[test]
    fn the_quick_iri_check_never_accepts_what_iref_refuses() {
        let alphabet: Vec<char> = "ab:/?#@%[]-._~!$&'()*+,;=09 <>\"{}|^`\\é".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let prefixes = [
            "",
            "a:",
            "ab:",
            "a:/",
            "a://",
            "did:key:",
            "https://",
            "urn:uuid:",
        ];
        let mut quick = 0;
        for _ in 0..200_000 {
            let mut s = prefixes[(next() % prefixes.len() as u64) as usize].to_owned();
            for _ in 0..(next() % 16) {
                s.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            if simple_absolute_iri(&s) {
                quick += 1;
                assert!(ssi::json_ld::iref::Iri::new(&s).is_ok(), "{s:?}");
            }
        }
        assert!(quick > 1000);
        for s in [
            "did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk#z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk",
            "urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30",
            "https://registry.gov.example/status/revocation/1#94567",
            "https://w3id.org/civitas/civil-registry/v1/birth-certificate.schema.json",
            "http://user:pw@example.com:8080/a/b?c=d#e",
        ] {
            assert!(simple_absolute_iri(s), "{s}");
        }
        for s in [
            "a",
            ":a",
            "1a:b",
            "a:b c",
            "a:%41",
            "http://[::1]/",
            "a:#b#c",
            "a://h:x/",
        ] {
            assert!(!simple_absolute_iri(s), "{s}");
        }
    }

    #[test]
    fn colon_after_a_multibyte_first_character() {
        assert_eq!(colon_after_first("é:x"), Some(2));
        assert_eq!(colon_after_first(":x"), None);
        assert_eq!(colon_after_first("a:b:c"), Some(1));
        assert_eq!(colon_after_first("日本"), None);
        assert_eq!(colon_after_first(""), None);
    }

    #[test]
    fn shapes() {
        assert!(has_keyword_form("@foo"));
        assert!(!has_keyword_form("@"));
        assert!(!has_keyword_form("@foo1"));
        assert!(is_absolute_iri("did:key:z6Mk#z6Mk"));
        assert!(!is_absolute_iri("foo"));
        assert!(!is_absolute_iri("http://a b"));
        assert!(ends_with_gen_delim("https://schema.org/"));
        assert!(is_simple_blank_label("b0"));
        assert!(!is_simple_blank_label("b0."));
    }
}
