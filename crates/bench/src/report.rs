//! The report: every figure with its ratio to the floor, as a table or one JSON document,
//! then memory, the JS stack and the canonicalization counts.

use std::collections::HashMap;

use anyhow::Result;
use civitas_jsonld::canon;
use serde_json::{Value, json};

use crate::measure::{Clock, Figure, Floor};

/// A duration in µs, in ms from 1 ms on.
pub(crate) fn fmt_us(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else if us >= 10.0 {
        format!("{us:.1} µs")
    } else {
        format!("{us:.2} µs")
    }
}

/// What one run measured.
pub(crate) struct Report<'a> {
    /// The Data Integrity credential's size in bytes.
    pub(crate) credential_bytes: usize,
    /// Rounds per figure.
    pub(crate) rounds: usize,
    /// The clock the figures were timed with.
    pub(crate) clock: Clock,
    /// The figures, in the order printed.
    pub(crate) figures: &'a [Figure],
    /// This run's raw Ed25519 sign median (µs).
    pub(crate) raw_sign: f64,
    /// This run's raw Ed25519 verify median (µs).
    pub(crate) raw_verify: f64,
    /// The memory loop's JSON line, when it ran.
    pub(crate) memory: Option<Value>,
    /// The JS stack's p50 figures and environment, when it ran.
    pub(crate) js: Option<(HashMap<String, f64>, Value)>,
    /// Whether the JS stack was asked for (`--js`).
    pub(crate) js_asked: bool,
    /// Operations the JS stack timed per figure.
    pub(crate) js_n: usize,
}

impl Report<'_> {
    /// The paired ratio where the figure was measured beside its floor; else against this
    /// run's floor medians.
    fn ratio(&self, fig: &Figure) -> Option<f64> {
        let (raw_sign, raw_verify) = (self.raw_sign, self.raw_verify);
        fig.paired.or(match fig.floor {
            Floor::Verify => Some(fig.median_us / raw_verify),
            Floor::SignVerify => Some(fig.median_us / (raw_sign + raw_verify)),
            Floor::Sign => Some(fig.median_us / raw_sign),
            Floor::None => None,
        })
    }

    /// Prints the figures as one JSON document (`--json`).
    pub(crate) fn print_json(&self) -> Result<()> {
        let rows: Vec<Value> = self
            .figures
            .iter()
            .map(|x| {
                json!({
                    "figure": x.name.trim(),
                    "median_us": if x.median_us.is_nan() { Value::Null } else { json!(x.median_us) },
                    "ratio_to_floor": self.ratio(x),
                    "floor": format!("{:?}", x.floor),
                    "note": x.note,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "credential_bytes": self.credential_bytes,
                "rounds": self.rounds,
                "clock": self.clock.name(),
                "figures": rows,
                "memory": self.memory,
                "js": self.js.as_ref().map(|(m, env)| json!({"p50_us": m, "env": env})),
                "canon_path_counts": format!("{:?}", canon::path_counts()),
            }))?
        );
        Ok(())
    }

    /// Prints the figures as a table, then memory, the JS stack and the canonicalization
    /// counts.
    pub(crate) fn print_table(&self) {
        let rounds = self.rounds;
        println!(
            "civitas-bench: a signed birth certificate ({} bytes as Data Integrity JSON), one thread, \
             warm caches; medians of {rounds} interleaved rounds, {}",
            self.credential_bytes,
            self.clock.name()
        );
        println!(
            "floors: raw Ed25519 verify for verify figures, raw sign + verify for sign figures \
             (civitas checks each signature before handing it out); × floor is the median over \
             rounds of the figure's time over its floor's time in the same round\n"
        );
        println!("{:<52} {:>11} {:>10}  note", "figure", "median", "× floor");
        for x in self.figures {
            let median = if x.median_us.is_nan() {
                "—".to_owned()
            } else {
                fmt_us(x.median_us)
            };
            let r = self.ratio(x).map_or(String::new(), |r| format!("{r:.2}×"));
            println!("{:<52} {:>11} {:>10}  {}", x.name, median, r, x.note);
        }
        if let Some(m) = &self.memory {
            println!(
                "\nmemory: verifying {} credentials in a loop: resident {} KiB after setup, {} KiB at the end, peak {} KiB ({:.1} s; RSS every {}: {})",
                m["n"],
                m["rss_start_kb"],
                m["rss_end_kb"],
                m["peak_kb"],
                m["seconds"].as_f64().unwrap_or(0.0),
                m["n"].as_u64().unwrap_or(0) / 10,
                m["samples"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .map(|s| s[1].to_string())
                        .collect::<Vec<_>>()
                        .join(" "))
                    .unwrap_or_default()
            );
        }
        if self.js_asked {
            self.print_js();
        }
        let counts = canon::path_counts();
        println!(
            "\ncanonicalizations this run: {} by the fast path, {} by the general path (ssi)",
            counts.fast, counts.general
        );
    }

    /// The JS stack's figures and the civitas/JS ratios.
    fn print_js(&self) {
        match &self.js {
            None => println!("\nJS stack: skipped (no node; see the message above)"),
            Some((m, env)) => {
                println!(
                    "\nJS stack (Digital Bazaar, node {}), p50 of {} ops:",
                    env["node"].as_str().unwrap_or("?"),
                    self.js_n
                );
                let civitas_verify = self
                    .figures
                    .iter()
                    .find(|x| x.name.starts_with("civitas verify, Data Integrity"))
                    .map(|x| x.median_us);
                let civitas_sign = self
                    .figures
                    .iter()
                    .find(|x| x.name.starts_with("civitas sign, Data Integrity"))
                    .map(|x| x.median_us);
                for (name, ours) in [
                    ("verify", civitas_verify),
                    ("issue", civitas_sign),
                    ("raw_ed25519_verify", Some(self.raw_verify)),
                ] {
                    if let Some(js_us) = m.get(name) {
                        let r = ours
                            .map_or(String::new(), |o| format!("civitas/JS = {:.3}", o / js_us));
                        println!("  {:<20} {:>11}   {r}", name, fmt_us(*js_us));
                    }
                }
            }
        }
    }
}
