//! RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation, 2024): the first-degree hashes,
//! and the N-degree hashes for blank nodes whose first-degree hashes tie, with a work limit
//! against "poison" graphs.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::rdf::{Dataset, Quad, Term, push_u32};

/// A SHA-256 hash in lower-case hex.
type Hex = [u8; 64];

/// Canonicalization gave up: the dataset needs more N-degree hashing than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooComplex;

/// The most Hash N-Degree Quads calls one canonicalization may make.
pub(crate) const MAX_N_DEGREE_CALLS: u32 = 4096;
/// The largest group of related blank nodes whose permutations are tried (8! = 40320).
const MAX_PERMUTED: usize = 8;

fn hex(digest: &[u8]) -> Hex {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().take(32).enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

fn hex_str(h: &Hex) -> &str {
    // Hex digits are ASCII.
    std::str::from_utf8(h).unwrap_or("")
}

#[derive(Clone, Default)]
struct Issuer {
    issued: Vec<(u32, u32)>,
}

impl Issuer {
    fn get(&self, b: u32) -> Option<u32> {
        self.issued.iter().find(|(x, _)| *x == b).map(|(_, n)| *n)
    }

    fn issue(&mut self, b: u32) -> u32 {
        if let Some(n) = self.get(b) {
            return n;
        }
        let n = u32::try_from(self.issued.len()).unwrap_or(u32::MAX);
        self.issued.push((b, n));
        n
    }
}

struct State<'d> {
    data: &'d Dataset,
    quads: &'d [Quad],
    by_blank: Mentions,
    first: Vec<Option<Hex>>,
    canonical: Vec<Option<u32>>,
    next: u32,
    calls: u32,
    max_calls: u32,
    buf: String,
    lines: Vec<(usize, usize)>,
}

impl State<'_> {
    fn first_degree(&mut self, b: u32) -> Hex {
        self.buf.clear();
        self.lines.clear();
        for &qi in self.by_blank.of(b) {
            let start = self.buf.len();
            self.data.write_quad(
                &mut self.buf,
                &self.quads[qi as usize],
                &mut |x, out: &mut String| out.push_str(if x == b { "_:a" } else { "_:z" }),
            );
            self.lines.push((start, self.buf.len()));
        }
        let buf = &self.buf;
        self.lines
            .sort_unstable_by(|x, y| buf[x.0..x.1].cmp(&buf[y.0..y.1]));
        let mut h = Sha256::new();
        for &(s, e) in &self.lines {
            h.update(&buf.as_bytes()[s..e]);
        }
        hex(&h.finalize())
    }

    fn id_of(&self, b: u32, issuer: &Issuer) -> String {
        if let Some(c) = self.canonical[b as usize] {
            format!("_:c14n{c}")
        } else if let Some(n) = issuer.get(b) {
            format!("_:b{n}")
        } else {
            hex_str(&self.first[b as usize].unwrap_or([b'0'; 64])).to_owned()
        }
    }

    fn related(&self, related: u32, q: &Quad, issuer: &Issuer, pos: u8) -> Hex {
        let mut input = String::with_capacity(160);
        input.push(char::from(pos));
        if pos != b'g' {
            input.push_str(self.data.span(q.p));
        }
        input.push_str(&self.id_of(related, issuer));
        hex(&Sha256::digest(input.as_bytes()))
    }

    fn n_degree(&mut self, id: u32, issuer: &Issuer) -> Result<(Hex, Issuer), TooComplex> {
        self.calls += 1;
        if self.calls > self.max_calls {
            return Err(TooComplex);
        }
        let mut groups: BTreeMap<Hex, Vec<u32>> = BTreeMap::new();
        for &qi in self.by_blank.of(id) {
            let q = &self.quads[qi as usize];
            for (b, pos) in q.blanks() {
                if b != id {
                    let h = self.related(b, q, issuer, pos);
                    groups.entry(h).or_default().push(b);
                }
            }
        }
        let mut data = String::new();
        let mut issuer = issuer.clone();
        for (h, list) in groups {
            data.push_str(hex_str(&h));
            if list.len() > MAX_PERMUTED {
                return Err(TooComplex);
            }
            let mut chosen: Option<(String, Issuer)> = None;
            for perm in permutations(&list) {
                let mut copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                let worse = |path: &str, chosen: &Option<(String, Issuer)>| {
                    chosen
                        .as_ref()
                        .is_some_and(|(c, _)| path.len() >= c.len() && path > c.as_str())
                };
                let mut skip = false;
                for &related in &perm {
                    if let Some(c) = self.canonical[related as usize] {
                        path.push_str(&format!("_:c14n{c}"));
                    } else {
                        if copy.get(related).is_none() {
                            recursion.push(related);
                        }
                        let n = copy.issue(related);
                        path.push_str(&format!("_:b{n}"));
                    }
                    if worse(&path, &chosen) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                for related in recursion {
                    let (rh, ri) = self.n_degree(related, &copy)?;
                    let n = copy.issue(related);
                    path.push_str(&format!("_:b{n}<"));
                    path.push_str(hex_str(&rh));
                    path.push('>');
                    copy = ri;
                    if worse(&path, &chosen) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                if chosen.as_ref().is_none_or(|(c, _)| path < *c) {
                    chosen = Some((path, copy));
                }
            }
            if let Some((path, chosen_issuer)) = chosen {
                data.push_str(&path);
                issuer = chosen_issuer;
            }
        }
        Ok((hex(&Sha256::digest(data.as_bytes())), issuer))
    }
}

fn permutations(items: &[u32]) -> Vec<Vec<u32>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first);
            out.push(p);
        }
    }
    out
}

/// The quads each blank node appears in, in one array: blank node `b`'s are
/// `quads[start[b]..start[b + 1]]`, in the order of the dataset.
struct Mentions {
    start: Vec<u32>,
    quads: Vec<u32>,
}

impl Mentions {
    /// The mentions of every blank node of `data`, and the blank nodes in order of first
    /// appearance.
    fn new(data: &Dataset) -> Result<(Self, Vec<u32>), TooComplex> {
        let n = data.blank_count as usize;
        // The distinct blank nodes of a quad (a blank node may be both subject and graph).
        let distinct = |q: &Quad| {
            let blank = |t: Option<Term>| match t {
                Some(Term::Blank(b)) => Some(b),
                _ => None,
            };
            let (s, o, g) = (blank(Some(q.s)), blank(Some(q.o)), blank(q.g));
            [
                s,
                o.filter(|o| Some(*o) != s),
                g.filter(|g| Some(*g) != s && Some(*g) != o),
            ]
            .into_iter()
            .flatten()
        };
        let mut start = vec![0u32; n + 1];
        let mut order = Vec::with_capacity(n);
        for q in &data.quads {
            for b in distinct(q) {
                let count = start.get_mut(b as usize + 1).ok_or(TooComplex)?;
                if *count == 0 {
                    order.push(b);
                }
                *count += 1;
            }
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut next = start.clone();
        let mut quads = vec![0u32; start[n] as usize];
        for (qi, q) in data.quads.iter().enumerate() {
            let qi = u32::try_from(qi).map_err(|_| TooComplex)?;
            for b in distinct(q) {
                let at = &mut next[b as usize];
                quads[*at as usize] = qi;
                *at += 1;
            }
        }
        Ok((Self { start, quads }, order))
    }

    /// The quads blank node `b` appears in.
    fn of(&self, b: u32) -> &[u32] {
        let b = b as usize;
        match (self.start.get(b), self.start.get(b + 1)) {
            (Some(&s), Some(&e)) => self.quads.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The canonical number (`c14nN`) of each blank node of `data` (`None`: the blank node is in
/// no quad).
pub(crate) fn canonical_ids(
    data: &Dataset,
    max_calls: u32,
) -> Result<Vec<Option<u32>>, TooComplex> {
    let n = data.blank_count as usize;
    let (by_blank, order) = Mentions::new(data)?;
    let mut st = State {
        data,
        quads: &data.quads,
        by_blank,
        first: vec![None; n],
        canonical: vec![None; n],
        next: 0,
        calls: 0,
        max_calls,
        buf: String::with_capacity(1024),
        lines: Vec::with_capacity(16),
    };
    // Blank nodes by first-degree hash; those with the same hash in order of appearance.
    let mut by_hash: Vec<(Hex, u32)> = Vec::with_capacity(order.len());
    for &b in &order {
        let h = st.first_degree(b);
        st.first[b as usize] = Some(h);
        by_hash.push((h, b));
    }
    by_hash.sort_by_key(|x| x.0);
    let mut shared: Vec<&[(Hex, u32)]> = Vec::new();
    for group in by_hash.chunk_by(|x, y| x.0 == y.0) {
        if let [(_, b)] = group {
            st.canonical[*b as usize] = Some(st.next);
            st.next += 1;
        } else {
            shared.push(group);
        }
    }
    for group in shared {
        let mut results: Vec<(Hex, Issuer)> = Vec::new();
        for &(_, b) in group {
            if st.canonical[b as usize].is_some() {
                continue;
            }
            let mut issuer = Issuer::default();
            issuer.issue(b);
            results.push(st.n_degree(b, &issuer)?);
        }
        results.sort_by_key(|r| r.0);
        for (_, issuer) in results {
            for (b, _) in issuer.issued {
                if st.canonical[b as usize].is_none() {
                    st.canonical[b as usize] = Some(st.next);
                    st.next += 1;
                }
            }
        }
    }
    Ok(st.canonical)
}

/// A canonical N-Quads line in pieces, and the rank of its subject among the subjects.
struct Line<'t> {
    rank: u32,
    s: &'t str,
    p: &'t str,
    o: &'t str,
    g: Option<&'t str>,
}

impl Line<'_> {
    /// The order of the lines' text.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank
            .cmp(&other.rank)
            .then_with(|| self.p.cmp(other.p))
            .then_with(|| self.o.cmp(other.o))
            .then_with(|| self.g.cmp(&other.g))
    }
}

/// Where canonical N-Quads lines go: the text itself, or its SHA-256 hash.
pub(crate) trait Sink: Sized {
    /// What the sink gives at the end.
    type Output;
    /// A sink for about `bytes` bytes.
    fn with_capacity(bytes: usize) -> Self;
    /// Takes one whole line (ending in `\n`).
    fn line(&mut self, line: &str);
    /// The result.
    fn finish(self) -> Self::Output;
}

impl Sink for String {
    type Output = String;
    fn with_capacity(bytes: usize) -> Self {
        String::with_capacity(bytes)
    }
    fn line(&mut self, line: &str) {
        self.push_str(line);
    }
    fn finish(self) -> String {
        self
    }
}

impl Sink for Sha256 {
    type Output = [u8; 32];
    fn with_capacity(_: usize) -> Self {
        Sha256::new()
    }
    fn line(&mut self, line: &str) {
        self.update(line.as_bytes());
    }
    fn finish(self) -> [u8; 32] {
        self.finalize().into()
    }
}

/// The canonical N-Quads of `data` given its canonical blank node numbers (sorted lines, each
/// ending in `\n`) into a new `S`; `None` if the dataset has duplicate statements.
pub(crate) fn write_canonical<S: Sink>(data: &Dataset, ids: &[Option<u32>]) -> Option<S::Output> {
    // Each blank node's canonical label, written once.
    let mut names = String::with_capacity(ids.len() * 8);
    let mut ends = Vec::with_capacity(ids.len() + 1);
    ends.push(0);
    for id in ids {
        names.push_str("_:c14n");
        push_u32(&mut names, id.unwrap_or(u32::MAX));
        ends.push(names.len());
    }
    let label = |b: u32| {
        let b = b as usize;
        match (ends.get(b), ends.get(b + 1)) {
            (Some(&s), Some(&e)) => names.get(s..e).unwrap_or(""),
            _ => "",
        }
    };
    // The lines sort by subject first: rank the distinct subjects once (a node's statements
    // share its subject term), then compare only the rest of the lines that share one (see
    // `Dataset::cmp_quads` for why comparing term by term gives the order of the lines).
    let mut subjects: Vec<Term> = Vec::with_capacity(16);
    let mut lines: Vec<Line<'_>> = Vec::with_capacity(data.quads.len());
    for q in &data.quads {
        let i = match subjects.iter().rposition(|s| *s == q.s) {
            Some(i) => i,
            None => {
                subjects.push(q.s);
                subjects.len() - 1
            }
        };
        lines.push(Line {
            rank: u32::try_from(i).unwrap_or(u32::MAX),
            s: data.term(q.s, &label),
            p: data.span(q.p),
            o: data.term(q.o, &label),
            g: q.g.map(|g| data.term(g, &label)),
        });
    }
    let mut by_text: Vec<u32> = (0..u32::try_from(subjects.len()).unwrap_or(0)).collect();
    let text = |i: u32| data.term(subjects[i as usize], &label);
    by_text.sort_unstable_by(|&a, &b| text(a).cmp(text(b)));
    let mut rank = vec![0u32; subjects.len()];
    for (n, w) in by_text.iter().enumerate() {
        // Two subject terms with the same text share a rank.
        rank[*w as usize] = match n.checked_sub(1).map(|p| by_text[p]) {
            Some(prev) if text(prev) == text(*w) => rank[prev as usize],
            _ => u32::try_from(n).unwrap_or(u32::MAX),
        };
    }
    for line in &mut lines {
        line.rank = rank[line.rank as usize];
    }
    // By subject, then each subject's lines by the rest.
    lines.sort_unstable_by_key(|l| l.rank);
    for run in lines.chunk_by_mut(|a, b| a.rank == b.rank) {
        run.sort_unstable_by(Line::cmp);
    }
    let before = lines.len();
    lines.dedup_by(|a, b| a.cmp(b).is_eq());
    if lines.len() != before {
        return None;
    }
    let mut out = S::with_capacity(data.text.len() * 2 + data.quads.len() * 16);
    let mut line = String::with_capacity(256);
    for l in &lines {
        line.clear();
        line.push_str(l.s);
        line.push(' ');
        line.push_str(l.p);
        line.push(' ');
        line.push_str(l.o);
        if let Some(g) = l.g {
            line.push(' ');
            line.push_str(g);
        }
        line.push_str(" .\n");
        out.line(&line);
    }
    Some(out.finish())
}
