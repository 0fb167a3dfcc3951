//! RDF quads for the fast path: deserialization of an expanded JSON-LD tree into a dataset
//! (JSON-LD 1.1 §6.1 and §8.4 semantics: every node object's statements, in the graph it
//! appears in, as a set), canonical N-Quads serialization and an N-Quads parser.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::Declined;
use super::expand::{Item, Lit, Node};
use super::str::S;

pub(crate) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_LANGSTRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";

/// A subject, graph name or resource object: an IRI or a blank node (by number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Res<'a> {
    Iri(S<'a>),
    Blank(u32),
}

/// A literal. `datatype: None` is `xsd:string`; with `lang` the datatype is `rdf:langString`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Literal<'a> {
    pub(crate) value: S<'a>,
    pub(crate) datatype: Option<S<'a>>,
    pub(crate) lang: Option<S<'a>>,
}

/// An object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Obj<'a> {
    Res(Res<'a>),
    Lit(Literal<'a>),
}

/// A quad; `g: None` is the default graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Quad<'a> {
    pub(crate) s: Res<'a>,
    pub(crate) p: S<'a>,
    pub(crate) o: Obj<'a>,
    pub(crate) g: Option<Res<'a>>,
}

impl Quad<'_> {
    /// The blank nodes of the quad, with their position (`s`, `o`, `g`).
    pub(crate) fn blanks(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        let s = match self.s {
            Res::Blank(b) => Some((b, b's')),
            Res::Iri(_) => None,
        };
        let o = match self.o {
            Obj::Res(Res::Blank(b)) => Some((b, b'o')),
            _ => None,
        };
        let g = match self.g {
            Some(Res::Blank(b)) => Some((b, b'g')),
            _ => None,
        };
        s.into_iter().chain(o).chain(g)
    }
}

/// A dataset: quads over blank nodes numbered `0..blank_count`.
#[derive(Debug, Default)]
pub(crate) struct Dataset<'a> {
    pub(crate) quads: Vec<Quad<'a>>,
    pub(crate) blank_count: u32,
    /// The label each blank node had in the input, where it had one.
    pub(crate) labels: Vec<Option<String>>,
}

impl Dataset<'_> {
    /// Makes the quads a set (sorted, without duplicates), as RDF datasets are.
    pub(crate) fn dedup(&mut self) {
        self.quads.sort_unstable();
        self.quads.dedup();
    }
}

/// Turns expanded items into quads.
pub(crate) struct Emitter<'a> {
    pub(crate) data: Dataset<'a>,
    named: HashMap<String, u32>,
    strict: bool,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(strict: bool) -> Self {
        Self {
            data: Dataset {
                quads: Vec::with_capacity(64),
                blank_count: 0,
                labels: Vec::with_capacity(8),
            },
            named: HashMap::new(),
            strict,
        }
    }

    fn fresh(&mut self) -> u32 {
        let b = self.data.blank_count;
        self.data.blank_count += 1;
        self.data.labels.push(None);
        b
    }

    fn resource(&mut self, id: &Option<S<'a>>) -> Res<'a> {
        match id {
            None => Res::Blank(self.fresh()),
            Some(s) => match s.strip_prefix("_:") {
                Some(label) => {
                    if let Some(b) = self.named.get(label) {
                        return Res::Blank(*b);
                    }
                    let b = self.fresh();
                    self.data.labels[b as usize] = Some(label.to_owned());
                    self.named.insert(label.to_owned(), b);
                    Res::Blank(b)
                }
                None => Res::Iri(s.clone()),
            },
        }
    }

    /// Emits the top-level items (default graph).
    pub(crate) fn document(&mut self, items: &[Item<'a>]) -> Result<(), Declined> {
        for item in items {
            if let Item::Node(n) = item {
                self.node(n, None)?;
            }
        }
        Ok(())
    }

    fn node(&mut self, n: &Node<'a>, graph: Option<&Res<'a>>) -> Result<Res<'a>, Declined> {
        let subject = self.resource(&n.id);
        for t in &n.types {
            let o = self.resource(&Some(t.clone()));
            self.push(subject.clone(), S::B(RDF_TYPE), Obj::Res(o), graph);
        }
        for (p, v) in &n.props {
            if let Some(o) = self.object(v, graph)? {
                self.push(subject.clone(), p.clone(), o, graph);
            }
        }
        if let Some(items) = &n.graph {
            for item in items {
                if let Item::Node(inner) = item {
                    self.node(inner, Some(&subject))?;
                }
            }
        }
        Ok(subject)
    }

    fn push(&mut self, s: Res<'a>, p: S<'a>, o: Obj<'a>, g: Option<&Res<'a>>) {
        self.data.quads.push(Quad {
            s,
            p,
            o,
            g: g.cloned(),
        });
    }

    fn object(
        &mut self,
        item: &Item<'a>,
        graph: Option<&Res<'a>>,
    ) -> Result<Option<Obj<'a>>, Declined> {
        Ok(Some(match item {
            Item::Node(n) => Obj::Res(self.node(n, graph)?),
            Item::List(items) => Obj::Res(self.list(items, graph)?),
            Item::Value(v) => {
                let (value, default_type): (S<'a>, &'static str) = match &v.lit {
                    Lit::Str(s) => (S::B(s), XSD_STRING),
                    Lit::Bool(true) => (S::B("true"), XSD_BOOLEAN),
                    Lit::Bool(false) => (S::B("false"), XSD_BOOLEAN),
                    Lit::Int(i) => (S::R(i.clone()), XSD_INTEGER),
                };
                if self.strict
                    && value
                        .chars()
                        .any(|c| (c < ' ' && c != '\n' && c != '\r') || c == '\u{7f}')
                {
                    return Err(Declined::Unsupported("control character in a literal"));
                }
                let lang = v.lang.clone();
                let datatype = if lang.is_some() {
                    None
                } else {
                    match &v.ty {
                        Some(t) if &**t == XSD_STRING => None,
                        Some(t) => Some(t.clone()),
                        None if default_type == XSD_STRING => None,
                        None => Some(S::B(default_type)),
                    }
                };
                Obj::Lit(Literal {
                    value,
                    datatype,
                    lang,
                })
            }
        }))
    }

    fn list(&mut self, items: &[Item<'a>], graph: Option<&Res<'a>>) -> Result<Res<'a>, Declined> {
        if items.is_empty() {
            return Ok(Res::Iri(S::B(RDF_NIL)));
        }
        let heads: Vec<u32> = (0..items.len()).map(|_| self.fresh()).collect();
        for (i, item) in items.iter().enumerate() {
            if let Some(o) = self.object(item, graph)? {
                self.push(Res::Blank(heads[i]), S::B(RDF_FIRST), o, graph);
            }
            let rest = match heads.get(i + 1) {
                Some(b) => Res::Blank(*b),
                None => Res::Iri(S::B(RDF_NIL)),
            };
            self.push(Res::Blank(heads[i]), S::B(RDF_REST), Obj::Res(rest), graph);
        }
        Ok(Res::Blank(heads[0]))
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

/// Writes a literal's lexical form as canonical N-Quads (RDFC-1.0 / N-Triples canonical form).
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // Only ASCII needs escaping, and no byte of a multi-byte UTF-8 sequence is ASCII.
        let esc: &str = match b {
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x00..=0x1f | 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04X}", b);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn write_res(out: &mut String, r: &Res<'_>, label: &mut impl FnMut(u32, &mut String)) {
    match r {
        Res::Iri(i) => {
            out.push('<');
            out.push_str(i);
            out.push('>');
        }
        Res::Blank(b) => label(*b, out),
    }
}

/// Writes one quad as a canonical N-Quads line (with the final `" .\n"`); blank nodes are
/// written by `label` (which writes `_:name`).
pub(crate) fn write_quad(out: &mut String, q: &Quad<'_>, label: &mut impl FnMut(u32, &mut String)) {
    write_res(out, &q.s, label);
    out.push_str(" <");
    out.push_str(&q.p);
    out.push_str("> ");
    match &q.o {
        Obj::Res(r) => write_res(out, r, label),
        Obj::Lit(l) => {
            write_string(out, &l.value);
            if let Some(lang) = &l.lang {
                out.push('@');
                out.push_str(lang);
            } else if let Some(dt) = &l.datatype {
                out.push_str("^^<");
                out.push_str(dt);
                out.push('>');
            }
        }
    }
    if let Some(g) = &q.g {
        out.push(' ');
        write_res(out, g, label);
    }
    out.push_str(" .\n");
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

/// Parses an N-Quads document into an owned dataset.
pub(crate) fn parse_nquads(text: &str) -> Result<Dataset<'static>, ParseError> {
    let mut data = Dataset::default();
    let mut named: HashMap<String, u32> = HashMap::new();
    let mut blank = |label: String, data: &mut Dataset<'static>| -> u32 {
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
            Res::Iri(S::owned(i))
        } else if let Some(b) = c.blank() {
            Res::Blank(blank(b, &mut data))
        } else {
            return Err(err("bad subject"));
        };
        c.ws();
        let p = S::owned(c.iri().ok_or(err("bad predicate"))?);
        c.ws();
        let o = if c.peek() == Some('<') {
            Obj::Res(Res::Iri(S::owned(c.iri().ok_or(err("bad object IRI"))?)))
        } else if c.peek() == Some('_') {
            Obj::Res(Res::Blank(blank(
                c.blank().ok_or(err("bad blank node"))?,
                &mut data,
            )))
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
                lang = Some(S::owned(line[start..c.pos].to_owned()));
            } else if c.eat('^') {
                if !c.eat('^') {
                    return Err(err("bad datatype"));
                }
                let dt = c.iri().ok_or(err("bad datatype"))?;
                if dt == RDF_LANGSTRING {
                    return Err(err("rdf:langString without a language"));
                }
                if dt != XSD_STRING {
                    datatype = Some(S::owned(dt));
                }
            }
            Obj::Lit(Literal {
                value: S::owned(value),
                datatype,
                lang,
            })
        };
        c.ws();
        let g = if c.peek() == Some('<') {
            Some(Res::Iri(S::owned(c.iri().ok_or(err("bad graph"))?)))
        } else if c.peek() == Some('_') {
            Some(Res::Blank(blank(
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
