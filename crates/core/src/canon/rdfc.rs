//! RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation, 2024): the first-degree hashes,
//! and the N-degree hashes for blank nodes whose first-degree hashes tie, with a work limit
//! against "poison" graphs.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::rdf::{Dataset, Quad, push_u32, write_quad};

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

struct State<'d, 'a> {
    quads: &'d [Quad<'a>],
    by_blank: Vec<Vec<u32>>,
    first: Vec<Option<Hex>>,
    canonical: Vec<Option<u32>>,
    next: u32,
    calls: u32,
    max_calls: u32,
    buf: String,
}

impl State<'_, '_> {
    fn first_degree(&mut self, b: u32) -> Hex {
        self.buf.clear();
        let mut lines: Vec<(usize, usize)> = Vec::with_capacity(self.by_blank[b as usize].len());
        for &qi in &self.by_blank[b as usize] {
            let start = self.buf.len();
            write_quad(
                &mut self.buf,
                &self.quads[qi as usize],
                &mut |x, out: &mut String| out.push_str(if x == b { "_:a" } else { "_:z" }),
            );
            lines.push((start, self.buf.len()));
        }
        let buf = &self.buf;
        lines.sort_unstable_by(|x, y| buf[x.0..x.1].cmp(&buf[y.0..y.1]));
        let mut h = Sha256::new();
        for (s, e) in lines {
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

    fn related(&self, related: u32, q: &Quad<'_>, issuer: &Issuer, pos: u8) -> Hex {
        let mut input = String::with_capacity(160);
        input.push(char::from(pos));
        if pos != b'g' {
            input.push('<');
            input.push_str(&q.p);
            input.push('>');
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
        for &qi in &self.by_blank[id as usize] {
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

/// The canonical number (`c14nN`) of each blank node of `data` (`None`: the blank node is in
/// no quad).
pub(crate) fn canonical_ids(
    data: &Dataset<'_>,
    max_calls: u32,
) -> Result<Vec<Option<u32>>, TooComplex> {
    let n = data.blank_count as usize;
    let mut by_blank: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut order: Vec<u32> = Vec::new();
    for (qi, q) in data.quads.iter().enumerate() {
        let qi = u32::try_from(qi).map_err(|_| TooComplex)?;
        for (b, _) in q.blanks() {
            let list = &mut by_blank[b as usize];
            if list.last() != Some(&qi) {
                if list.is_empty() {
                    order.push(b);
                }
                list.push(qi);
            }
        }
    }
    let mut st = State {
        quads: &data.quads,
        by_blank,
        first: vec![None; n],
        canonical: vec![None; n],
        next: 0,
        calls: 0,
        max_calls,
        buf: String::new(),
    };
    let mut by_hash: BTreeMap<Hex, Vec<u32>> = BTreeMap::new();
    for &b in &order {
        let h = st.first_degree(b);
        st.first[b as usize] = Some(h);
        by_hash.entry(h).or_default().push(b);
    }
    let mut shared = Vec::new();
    for (_, list) in by_hash {
        if list.len() == 1 {
            st.canonical[list[0] as usize] = Some(st.next);
            st.next += 1;
        } else {
            shared.push(list);
        }
    }
    for list in shared {
        let mut results: Vec<(Hex, Issuer)> = Vec::new();
        for b in list {
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

/// The canonical N-Quads of `data` given its canonical blank node numbers: sorted lines,
/// without duplicates, each ending in `\n`; and whether there were duplicate statements.
pub(crate) fn canonical_text(data: &Dataset<'_>, ids: &[Option<u32>]) -> (String, bool) {
    let mut buf = String::with_capacity(data.quads.len() * 128);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(data.quads.len());
    for q in &data.quads {
        let start = buf.len();
        write_quad(&mut buf, q, &mut |b, out: &mut String| {
            out.push_str("_:c14n");
            push_u32(out, ids[b as usize].unwrap_or(u32::MAX));
        });
        spans.push((start, buf.len()));
    }
    spans.sort_unstable_by(|x, y| buf[x.0..x.1].cmp(&buf[y.0..y.1]));
    let before = spans.len();
    spans.dedup_by(|x, y| buf[x.0..x.1] == buf[y.0..y.1]);
    let mut out = String::with_capacity(buf.len());
    for (s, e) in &spans {
        out.push_str(&buf[*s..*e]);
    }
    (out, spans.len() != before)
}
