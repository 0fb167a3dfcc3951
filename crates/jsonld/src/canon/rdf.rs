//! RDF quads for the fast path: deserialization of an expanded JSON-LD tree into a dataset
//! (JSON-LD 1.1 §6.1 and §8.4 semantics: every node object's statements, in the graph it
//! appears in, as a set), canonical N-Quads serialization and an N-Quads parser.
//!
//! Every IRI and literal is written in its canonical N-Quads form once, when its quad is made,
//! into the dataset's text; a quad refers to those texts by [`Span`], and to blank nodes by
//! number. The first-degree hashes and the canonical text of RDFC-1.0 are then put together
//! from these pieces instead of serializing each quad again.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::Declined;
use super::context::Direction;

pub(crate) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
/// The namespace of `i18n-datatype` literals (JSON-LD 1.1 §8.6, `rdfDirection`).
const I18N: &str = "https://www.w3.org/ns/i18n#";
const RDF_LANGSTRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
pub(crate) const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
pub(crate) const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
pub(crate) const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";

/// A byte range of [`Dataset::text`]: the canonical N-Quads form of one IRI (`<...>`) or
/// literal (`"..."`, with `@lang` or `^^<datatype>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

/// A subject, object or graph name: a blank node (by number) or an IRI or literal (its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    Blank(u32),
    Text(Span),
}

/// A quad; `g: None` is the default graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quad {
    pub(crate) s: Term,
    /// The predicate, an IRI.
    pub(crate) p: Span,
    pub(crate) o: Term,
    pub(crate) g: Option<Term>,
}

impl Quad {
    /// The blank nodes of the quad, with their position (`s`, `o`, `g`).
    pub(crate) fn blanks(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        let blank = |t: Option<Term>, pos: u8| match t {
            Some(Term::Blank(b)) => Some((b, pos)),
            _ => None,
        };
        blank(Some(self.s), b's')
            .into_iter()
            .chain(blank(Some(self.o), b'o'))
            .chain(blank(self.g, b'g'))
    }
}

/// A dataset: quads over blank nodes numbered `0..blank_count`, and the texts of their other
/// terms.
#[derive(Debug, Default)]
pub(crate) struct Dataset {
    /// The canonical N-Quads form of every IRI and literal of the quads, one after the other.
    pub(crate) text: String,
    pub(crate) quads: Vec<Quad>,
    pub(crate) blank_count: u32,
    /// The label each blank node had in the input, where it had one.
    pub(crate) labels: Vec<Option<String>>,
}

/// Bytes a canonical N-Quads literal escapes: `"`, `\` and the control characters.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

impl Dataset {
    /// The text of a span.
    pub(crate) fn span(&self, s: Span) -> &str {
        self.text
            .get(s.start as usize..s.end as usize)
            .unwrap_or("")
    }

    fn span_from(&self, start: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(self.text.len()).unwrap_or(u32::MAX),
        }
    }

    /// Writes `<iri>`.
    pub(crate) fn iri(&mut self, iri: &str) -> Span {
        let start = self.text.len();
        self.text.push('<');
        self.text.push_str(iri);
        self.text.push('>');
        self.span_from(start)
    }

    /// Writes a literal: its lexical form escaped as RDFC-1.0's canonical N-Quads require
    /// (`\b \t \n \f \r \" \\` as such, the other control characters U+0000-U+001F and U+007F as
    /// `\u00XX` with upper-case hex digits, everything else as it is, exactly as rdf-canonize
    /// does), then `@lang` (in lower case when `lower_lang`) or, unless it is `xsd:string`,
    /// `^^<datatype>`.
    pub(crate) fn literal(
        &mut self,
        value: &str,
        datatype: Option<&str>,
        lang: Option<&str>,
        lower_lang: bool,
    ) -> Span {
        let start = self.text.len();
        self.text.reserve(value.len() + 2);
        self.text.push('"');
        let bytes = value.as_bytes();
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            // Only ASCII is escaped, and no byte of a multi-byte UTF-8 sequence is ASCII.
            if !ESCAPED[usize::from(b)] {
                continue;
            }
            let esc: &str = match b {
                0x08 => "\\b",
                b'\t' => "\\t",
                b'\n' => "\\n",
                0x0c => "\\f",
                b'\r' => "\\r",
                b'"' => "\\\"",
                b'\\' => "\\\\",
                _ => "",
            };
            self.text.push_str(&value[run..i]);
            if esc.is_empty() {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                self.text.push_str("\\u00");
                self.text.push(char::from(HEX[usize::from(b >> 4)]));
                self.text.push(char::from(HEX[usize::from(b & 15)]));
            } else {
                self.text.push_str(esc);
            }
            run = i + 1;
        }
        self.text.push_str(&value[run..]);
        self.text.push('"');
        if let Some(lang) = lang {
            self.text.push('@');
            let at = self.text.len();
            self.text.push_str(lang);
            if lower_lang {
                self.text[at..].make_ascii_lowercase();
            }
        } else if let Some(dt) = datatype.filter(|d| *d != XSD_STRING) {
            self.text.push_str("^^<");
            self.text.push_str(dt);
            self.text.push('>');
        }
        self.span_from(start)
    }

    /// The text of a term, with `label` giving blank nodes theirs.
    pub(crate) fn term<'t>(&'t self, t: Term, label: &'t impl Fn(u32) -> &'t str) -> &'t str {
        match t {
            Term::Text(s) => self.span(s),
            Term::Blank(b) => label(b),
        }
    }

    /// Compares two quads in the order of their canonical N-Quads lines, term by term: a
    /// term's text never continues with a character below the space that follows it in a
    /// line (IRIs and blank node labels have no spaces or control characters, a literal that
    /// is a prefix of another one continues with `@` or `^`), so comparing the subjects, then
    /// the predicates, the objects and the graph names (no graph name first) gives the order
    /// of the lines.
    pub(crate) fn cmp_quads<'t>(
        &'t self,
        a: &Quad,
        b: &Quad,
        label: &'t impl Fn(u32) -> &'t str,
    ) -> Ordering {
        self.cmp_terms(a.s, b.s, label)
            .then_with(|| self.cmp_terms(Term::Text(a.p), Term::Text(b.p), label))
            .then_with(|| self.cmp_terms(a.o, b.o, label))
            .then_with(|| match (a.g, b.g) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => self.cmp_terms(x, y, label),
            })
    }

    fn cmp_terms<'t>(&'t self, x: Term, y: Term, label: &'t impl Fn(u32) -> &'t str) -> Ordering {
        if x == y {
            Ordering::Equal
        } else {
            self.term(x, label).cmp(self.term(y, label))
        }
    }

    /// Writes one quad as a canonical N-Quads line (ending in `" .\n"`); blank nodes are
    /// written by `label` (which writes `_:name`).
    pub(crate) fn write_quad(
        &self,
        out: &mut String,
        q: &Quad,
        label: &mut impl FnMut(u32, &mut String),
    ) {
        let mut term = |t: Term, out: &mut String| match t {
            Term::Text(s) => out.push_str(self.span(s)),
            Term::Blank(b) => label(b, out),
        };
        term(q.s, out);
        out.push(' ');
        out.push_str(self.span(q.p));
        out.push(' ');
        term(q.o, out);
        if let Some(g) = q.g {
            out.push(' ');
            term(g, out);
        }
        out.push_str(" .\n");
    }

    /// Makes the quads a set, as RDF datasets are: a quad that repeats an earlier one is
    /// dropped; the others keep their order.
    pub(crate) fn dedup(&mut self) {
        let labels: Vec<String> = (0..self.blank_count).map(|b| format!("_:{b}")).collect();
        let label = |b: u32| labels.get(b as usize).map_or("", String::as_str);
        let mut order: Vec<usize> = (0..self.quads.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            self.cmp_quads(&self.quads[a], &self.quads[b], &label)
                .then(a.cmp(&b))
        });
        let mut repeated = vec![false; self.quads.len()];
        for w in order.windows(2) {
            if self.cmp_quads(&self.quads[w[0]], &self.quads[w[1]], &label) == Ordering::Equal {
                repeated[w[1]] = true;
            }
        }
        let mut i = 0;
        self.quads.retain(|_| {
            i += 1;
            !repeated[i - 1]
        });
    }
}

/// Where the expansion puts its quads: blank nodes are numbered as they are made, IRIs and
/// literals written in canonical form.
pub(crate) struct Emitter {
    pub(crate) data: Dataset,
    /// Blank node identifiers of the input (`_:label`, outside ssi-compatible mode).
    named: HashMap<String, u32>,
    strict: bool,
    /// `<rdf:type>`, once written.
    rdf_type: Option<Span>,
}

impl Emitter {
    pub(crate) fn new(strict: bool) -> Self {
        Self {
            data: Dataset {
                text: String::with_capacity(4096),
                quads: Vec::with_capacity(64),
                blank_count: 0,
                labels: Vec::with_capacity(16),
            },
            named: HashMap::new(),
            strict,
            rdf_type: None,
        }
    }

    /// A new blank node.
    pub(crate) fn fresh(&mut self) -> u32 {
        let b = self.data.blank_count;
        self.data.blank_count += 1;
        self.data.labels.push(None);
        b
    }

    /// The term of an identifier: an IRI, or a blank node identifier (`_:label`).
    pub(crate) fn resource(&mut self, id: &str) -> Term {
        match id.strip_prefix("_:") {
            Some(label) => {
                if let Some(b) = self.named.get(label) {
                    return Term::Blank(*b);
                }
                let b = self.fresh();
                self.data.labels[b as usize] = Some(label.to_owned());
                self.named.insert(label.to_owned(), b);
                Term::Blank(b)
            }
            None => Term::Text(self.data.iri(id)),
        }
    }

    /// A predicate.
    pub(crate) fn predicate(&mut self, iri: &str) -> Span {
        self.data.iri(iri)
    }

    /// `rdf:type`.
    pub(crate) fn rdf_type(&mut self) -> Span {
        match self.rdf_type {
            Some(s) => s,
            None => {
                let s = self.data.iri(RDF_TYPE);
                self.rdf_type = Some(s);
                s
            }
        }
    }

    /// A literal (`lang`: a language-tagged string, its tag in lower case in ssi-compatible
    /// mode, as jsonld.js writes it).
    pub(crate) fn value(
        &mut self,
        lexical: &str,
        datatype: &str,
        lang: Option<&str>,
    ) -> Result<Term, Declined> {
        Ok(Term::Text(self.data.literal(
            lexical,
            Some(datatype),
            lang,
            self.strict,
        )))
    }

    /// A string with a base direction, as JSON-LD 1.1 toRdf writes it with `rdfDirection:
    /// i18n-datatype`: `"text"^^<https://www.w3.org/ns/i18n#LANG_DIR>`, `LANG` the language
    /// in lower case (or nothing).
    pub(crate) fn directed(
        &mut self,
        lexical: &str,
        lang: Option<&str>,
        direction: Direction,
    ) -> Result<Term, Declined> {
        let mut datatype = String::with_capacity(48);
        datatype.push_str(I18N);
        if let Some(l) = lang {
            datatype.extend(l.chars().map(|c| c.to_ascii_lowercase()));
        }
        datatype.push('_');
        datatype.push_str(direction.as_str());
        Ok(Term::Text(self.data.literal(
            lexical,
            Some(&datatype),
            None,
            false,
        )))
    }

    /// Adds a quad.
    pub(crate) fn quad(&mut self, s: Term, p: Span, o: Term, g: Option<Term>) {
        self.data.quads.push(Quad { s, p, o, g });
    }

    /// The quads of an RDF list of `items` in `graph`; its head.
    pub(crate) fn list(&mut self, items: &[Term], graph: Option<Term>) -> Term {
        if items.is_empty() {
            return Term::Text(self.data.iri(RDF_NIL));
        }
        let first = self.data.iri(RDF_FIRST);
        let rest = self.data.iri(RDF_REST);
        let heads: Vec<u32> = (0..items.len()).map(|_| self.fresh()).collect();
        for (i, item) in items.iter().enumerate() {
            self.quad(Term::Blank(heads[i]), first, *item, graph);
            let next = match heads.get(i + 1) {
                Some(b) => Term::Blank(*b),
                None => Term::Text(self.data.iri(RDF_NIL)),
            };
            self.quad(Term::Blank(heads[i]), rest, next, graph);
        }
        Term::Blank(heads[0])
    }
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_u32(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// Why an N-Quads document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) line: usize,
    pub(crate) reason: &'static str,
}

struct Cursor<'t> {
    s: &'t str,
    pos: usize,
}

impl<'t> Cursor<'t> {
    fn ws(&mut self) {
        while let Some(c) = self.s[self.pos..].chars().next() {
            if c == ' ' || c == '\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn hex(&mut self, n: usize) -> Option<char> {
        let h = self.s.get(self.pos..self.pos + n)?;
        let v = u32::from_str_radix(h, 16).ok()?;
        self.pos += n;
        char::from_u32(v)
    }

    fn iri(&mut self) -> Option<String> {
        if !self.eat('<') {
            return None;
        }
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.pos += c.len_utf8();
            match c {
                '>' => return Some(out),
                '\\' => {
                    let c = if self.eat('u') {
                        self.hex(4)?
                    } else if self.eat('U') {
                        self.hex(8)?
                    } else {
                        return None;
                    };
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }

    fn blank(&mut self) -> Option<String> {
        if !self.s[self.pos..].starts_with("_:") {
            return None;
        }
        self.pos += 2;
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == ':' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let mut label = &self.s[start..self.pos];
        while label.ends_with('.') {
            label = &label[..label.len() - 1];
            self.pos -= 1;
        }
        (!label.is_empty()).then(|| label.to_owned())
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat('"') {
            return None;
        }
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.pos += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = self.peek()?;
                    self.pos += e.len_utf8();
                    out.push(match e {
                        't' => '\t',
                        'b' => '\u{8}',
                        'n' => '\n',
                        'r' => '\r',
                        'f' => '\u{c}',
                        '"' => '"',
                        '\'' => '\'',
                        '\\' => '\\',
                        'u' => self.hex(4)?,
                        'U' => self.hex(8)?,
                        _ => return None,
                    });
                }
                c => out.push(c),
            }
        }
    }
}

/// Parses an N-Quads document into a dataset.
pub(crate) fn parse_nquads(text: &str) -> Result<Dataset, ParseError> {
    let mut data = Dataset::default();
    let mut named: HashMap<String, u32> = HashMap::new();
    let mut blank = |label: String, data: &mut Dataset| -> u32 {
        if let Some(b) = named.get(&label) {
            return *b;
        }
        let b = data.blank_count;
        data.blank_count += 1;
        data.labels.push(Some(label.clone()));
        named.insert(label, b);
        b
    };
    for (n, line) in text.lines().enumerate() {
        let err = |reason| ParseError {
            line: n + 1,
            reason,
        };
        let mut c = Cursor { s: line, pos: 0 };
        c.ws();
        if c.peek().is_none() || c.peek() == Some('#') {
            continue;
        }
        let s = if let Some(i) = c.iri() {
            Term::Text(data.iri(&i))
        } else if let Some(b) = c.blank() {
            Term::Blank(blank(b, &mut data))
        } else {
            return Err(err("bad subject"));
        };
        c.ws();
        let p = data.iri(&c.iri().ok_or(err("bad predicate"))?);
        c.ws();
        let o = if c.peek() == Some('<') {
            Term::Text(data.iri(&c.iri().ok_or(err("bad object IRI"))?))
        } else if c.peek() == Some('_') {
            Term::Blank(blank(c.blank().ok_or(err("bad blank node"))?, &mut data))
        } else {
            let value = c.string().ok_or(err("bad literal"))?;
            let mut datatype = None;
            let mut lang = None;
            if c.eat('@') {
                let start = c.pos;
                while let Some(ch) = c.peek() {
                    if ch.is_ascii_alphanumeric() || ch == '-' {
                        c.pos += 1;
                    } else {
                        break;
                    }
                }
                lang = Some(&line[start..c.pos]);
            } else if c.eat('^') {
                if !c.eat('^') {
                    return Err(err("bad datatype"));
                }
                let dt = c.iri().ok_or(err("bad datatype"))?;
                if dt == RDF_LANGSTRING {
                    return Err(err("rdf:langString without a language"));
                }
                datatype = Some(dt);
            }
            Term::Text(data.literal(&value, datatype.as_deref(), lang, false))
        };
        c.ws();
        let g = if c.peek() == Some('<') {
            Some(Term::Text(data.iri(&c.iri().ok_or(err("bad graph"))?)))
        } else if c.peek() == Some('_') {
            Some(Term::Blank(blank(
                c.blank().ok_or(err("bad graph"))?,
                &mut data,
            )))
        } else {
            None
        };
        c.ws();
        if !c.eat('.') {
            return Err(err("missing final ."));
        }
        c.ws();
        if c.peek().is_some_and(|ch| ch != '#') {
            return Err(err("trailing characters"));
        }
        data.quads.push(Quad { s, p, o, g });
    }
    data.dedup();
    Ok(data)
}
