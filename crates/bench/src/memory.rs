//! Peak resident memory while verifying credentials in a loop, in a child process so that
//! nothing else is counted.

use std::time::Instant;

use anyhow::{Context as _, Result, anyhow};
use civitas_core::report::Verdict;
use serde_json::{Value, json};

use crate::fixture::Fixture;

fn rss_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The memory loop, in this (child) process: verifies `n` credentials and reports resident
/// memory along the way and its peak.
pub(crate) fn memory_child(n: usize) -> Result<()> {
    let f = Fixture::new()?;
    let start = rss_kb("VmRSS:").unwrap_or(0);
    let mut samples = Vec::new();
    let step = (n / 10).max(1);
    let t = Instant::now();
    for i in 1..=n {
        if f.verify(&f.di) != Verdict::Valid {
            return Err(anyhow!("verification failed in the memory loop"));
        }
        if i % step == 0 {
            samples.push(json!([i, rss_kb("VmRSS:").unwrap_or(0)]));
        }
    }
    println!(
        "{}",
        json!({
            "n": n,
            "seconds": t.elapsed().as_secs_f64(),
            "rss_start_kb": start,
            "rss_end_kb": rss_kb("VmRSS:").unwrap_or(0),
            "peak_kb": rss_kb("VmHWM:").unwrap_or(0),
            "samples": samples,
        })
    );
    Ok(())
}

pub(crate) fn memory_figures(n: usize) -> Result<Value> {
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(exe)
        .args(["--memory-child", &n.to_string()])
        .output()
        .context("running the memory loop")?;
    if !out.status.success() {
        return Err(anyhow!(
            "memory loop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}
