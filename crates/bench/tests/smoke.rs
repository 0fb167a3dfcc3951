//! The benchmark command runs end to end and prints every figure with its floor (tiny counts:
//! this checks that it works, not how fast anything is).

use std::process::Command;

#[test]
fn the_bench_prints_every_figure_as_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_civitas-bench"))
        .args([
            "--rounds",
            "3",
            "--memory",
            "200",
            "--batches",
            "1",
            "--batch-size",
            "20",
            "--json",
        ])
        .output()
        .expect("run civitas-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let text = figures.to_string();
    for name in [
        "Ed25519",
        "Data Integrity",
        "vc+jwt",
        "ssi",
        "status",
        "batch",
    ] {
        assert!(text.contains(name), "no `{name}` figure in {text}");
    }
}
