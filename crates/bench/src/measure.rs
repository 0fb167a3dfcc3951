//! The timing machinery: the clock, interleaved rounds, medians and ratios to the floor.

use std::time::Instant;

/// What a figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Floor {
    /// Raw Ed25519 verify.
    Verify,
    /// Raw Ed25519 sign + verify (a civitas signature is checked before it is handed out).
    SignVerify,
    /// Raw Ed25519 sign.
    Sign,
    /// No floor (pieces of a verify, lookups).
    None,
}

/// One measured figure.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub(crate) name: String,
    pub(crate) median_us: f64,
    pub(crate) floor: Floor,
    /// The median over rounds of this figure's time divided by its floor's time in the same
    /// round (the floor is measured right before it): a noisy neighbour slows both alike
    /// within a round, far less alike across rounds.
    pub(crate) paired: Option<f64>,
    pub(crate) note: String,
}

pub(crate) type Op<'a> = Box<dyn FnMut() + 'a>;

/// Nanoseconds this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`), so that time spent
/// preempted by other processes is not counted.
fn thread_cpu_ns() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    let ns = u64::try_from(t.tv_sec).ok()? * 1_000_000_000 + u64::try_from(t.tv_nsec).ok()?;
    (ns > 0).then_some(ns)
}

/// A clock: thread CPU time when the system provides it, wall-clock time otherwise.
#[derive(Clone, Copy)]
pub(crate) struct Clock {
    cpu: bool,
}

impl Clock {
    pub(crate) fn new(wall: bool) -> Self {
        Self {
            cpu: !wall && thread_cpu_ns().is_some(),
        }
    }

    pub(crate) fn now(self, wall_start: Instant) -> f64 {
        if self.cpu {
            thread_cpu_ns().map_or(0.0, |ns| ns as f64 / 1e3)
        } else {
            wall_start.elapsed().as_secs_f64() * 1e6
        }
    }

    pub(crate) fn name(self) -> &'static str {
        if self.cpu {
            "thread CPU time"
        } else {
            "wall-clock time"
        }
    }
}

/// Times `ops` in interleaved rounds; each round runs a batch sized to about 2 ms per op,
/// after one untimed call.
pub(crate) fn measure(
    ops: &mut [(String, Floor, Op<'_>)],
    rounds: usize,
    clock: Clock,
) -> Vec<Figure> {
    let mut batch = Vec::with_capacity(ops.len());
    for (_, _, op) in ops.iter_mut() {
        for _ in 0..20 {
            op();
        }
        let t = Instant::now();
        let mut n = 0u64;
        while t.elapsed().as_micros() < 2_000 || n < 3 {
            op();
            n += 1;
        }
        batch.push(n.max(1));
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); ops.len()];
    let origin = Instant::now();
    for _ in 0..rounds.max(1) {
        for (i, (_, _, op)) in ops.iter_mut().enumerate() {
            // Warm caches (the target's condition): the other figures of the round have just
            // run, so one untimed call brings this one's code and data back first.
            op();
            let t = clock.now(origin);
            for _ in 0..batch[i] {
                op();
            }
            samples[i].push((clock.now(origin) - t) / batch[i] as f64);
        }
    }
    let sign = ops.iter().position(|(_, f, _)| *f == Floor::Sign);
    let verify = ops
        .iter()
        .position(|(n, f, _)| *f == Floor::Verify && n.starts_with("raw"));
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let paired = |floor: Floor, s: &[f64]| {
        let per_round = |f: &dyn Fn(usize) -> f64| (0..s.len()).map(|r| s[r] / f(r)).collect();
        match (floor, sign, verify) {
            (Floor::Verify, _, Some(v)) => median(per_round(&|r| samples[v][r])),
            (Floor::Sign, Some(g), _) => median(per_round(&|r| samples[g][r])),
            (Floor::SignVerify, Some(g), Some(v)) => {
                median(per_round(&|r| samples[g][r] + samples[v][r]))
            }
            _ => None,
        }
    };
    ops.iter()
        .zip(&samples)
        .map(|((name, floor, _), s)| Figure {
            name: name.clone(),
            median_us: median(s.clone()).unwrap_or(f64::NAN),
            floor: *floor,
            paired: paired(*floor, s),
            note: String::new(),
        })
        .collect()
}

impl Figure {
    /// The row standing for a figure that could not be measured, with the reason.
    pub(crate) fn not_measured(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            paired: None,
            name: name.into(),
            median_us: f64::NAN,
            floor: Floor::None,
            note: format!("not measured: {reason}"),
        }
    }
}

/// The raw Ed25519 sign and verify medians among `figures` (1.0 when absent).
pub(crate) fn floor_medians(figures: &[Figure]) -> (f64, f64) {
    (
        figures
            .iter()
            .find(|x| x.floor == Floor::Sign)
            .map_or(1.0, |x| x.median_us),
        figures
            .iter()
            .find(|x| x.floor == Floor::Verify && x.name.starts_with("raw"))
            .map_or(1.0, |x| x.median_us),
    )
}
