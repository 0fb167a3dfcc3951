//! `civitas ingest`, run as an operator would: a CSV export into an initialised issuer data
//! directory (summary, report, exit codes, an idempotent second run), a mapping with a mistake,
//! and an InfoHighway feed served by a small HTTP server on 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn civitas(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civitas"))
        .args(args)
        .current_dir(dir)
        .env_remove("CIVITAS_DATA_DIR")
        .env_remove("CIVITAS_ISSUER_PASSPHRASE")
        .env_remove("CIVITAS_ISSUER_PASSPHRASE_FILE")
        .output()
        .expect("run civitas")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstderr: {}\nstdout: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

/// The `--json` summary a run printed.
fn json_summary(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

fn init(d: &Path) {
    let out = civitas(
        &[
            "issuer",
            "init",
            "--data-dir",
            "data",
            "--base-url",
            "https://registry.gov.example",
            "--did-key",
        ],
        d,
    );
    assert!(out.status.success(), "{}", text(&out));
}

const HEADER: &str = civitas_infohighway::mappings::CSV_BIRTH_HEADER;

fn row(entry: &str, given: &str, sex: &str, dob: &str) -> String {
    format!(
        "PW,2024,{entry},1,{given},,Lebon,{sex},{dob},14:35,Victoria Hospital,Candos,PW,Anne,Lebon,L0101198512345,MU,John,Jean,Lebon,L0202198354321,MU,Civil Status Office Rose Hill,01/03/2024,A. Ramdin"
    )
}

#[test]
fn csv_export_summary_report_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    std::fs::write(
        d.join("csv-birth.toml"),
        civitas_infohighway::mappings::CSV_BIRTH,
    )
    .unwrap();
    let rows = [
        row("000001", "Marie", "F", "28/02/2024"),
        row("000002", "Paul", "Q", "28/02/2024"),
        row("000003", "Anne", "F", "31/02/2024"),
        row("000004", "Luc", "M", "27/02/2024"),
    ];
    std::fs::write(
        d.join("births.csv"),
        format!("{HEADER}\n{}\n", rows.join("\n")),
    )
    .unwrap();

    let args = [
        "ingest",
        "file",
        "births.csv",
        "--mapping",
        "csv-birth.toml",
        "--data-dir",
        "data",
        "--report",
        "report.json",
        "--json",
    ];
    let out = civitas(&args, d);
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejected rows → exit 1: {}",
        text(&out)
    );
    let summary = json_summary(&out);
    assert_eq!(summary["counts"]["read"], 4);
    assert_eq!(summary["counts"]["issued"], 2);
    assert_eq!(summary["counts"]["rejected"], 2);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("report.json")).unwrap()).unwrap();
    let rejected: Vec<(&str, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["position"].as_str().unwrap(),
                r["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rejected, [("line 3", "sex"), ("line 4", "birthDate")]);

    // again: nothing new; the human summary names the counts and the report
    let out = civitas(&args[..args.len() - 1], d);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("file births.csv: 4 records"), "{stdout}");
    assert!(stdout.contains("replayed    2"), "{stdout}");
    assert!(stdout.contains("issued      0"), "{stdout}");
    assert!(stdout.contains("report      report.json"), "{stdout}");

    // only good rows: exit 0; the default report goes under the data directory
    std::fs::write(
        d.join("good.csv"),
        format!("{HEADER}\n{}\n", row("000005", "Eve", "F", "26/02/2024")),
    )
    .unwrap();
    let out = civitas(
        &[
            "ingest",
            "file",
            "good.csv",
            "--mapping",
            "csv-birth.toml",
            "--data-dir",
            "data",
            "--json",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary = json_summary(&out);
    let report = summary["report"].as_str().unwrap();
    assert!(
        report.contains("ingest/reports/") && d.join(report).exists(),
        "{summary}"
    );
    let list = civitas(&["issuer", "list", "--data-dir", "data", "--json"], d);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).lines().count(),
        3,
        "{}",
        text(&list)
    );
}

#[test]
fn a_mapping_mistake_is_exit_2_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    std::fs::write(
        d.join("bad.toml"),
        "format = 1\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" }\n[fields]\n\"birthDat\" = { from = \"dob\" }\n",
    )
    .unwrap();
    std::fs::write(d.join("x.csv"), "id,dob\n1,2024-01-01\n").unwrap();
    let out = civitas(
        &[
            "ingest",
            "file",
            "x.csv",
            "--mapping",
            "bad.toml",
            "--data-dir",
            "data",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:6:1: `fields.\"birthDat\"`"),
        "{stderr}"
    );
    let out = civitas(
        &[
            "ingest",
            "file",
            "x.data",
            "--mapping",
            "bad.toml",
            "--data-dir",
            "data",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--format"),
        "{}",
        text(&out)
    );
}

/// One birth record of the InfoHighway contract.
fn ih_record(i: usize) -> Value {
    serde_json::json!({
        "recordId": format!("CSO-B-2024-PW-{i:06}"), "version": 1,
        "registration": {"district": "PW", "year": 2024, "entryNumber": format!("{i:06}"),
                          "office": "Civil Status Office, Rose Hill", "date": "2024-03-01", "registrar": "A. Ramdin"},
        "child": {"surname": "Lebon", "otherNames": {"en": format!("Marie {i}")}, "sex": 2,
                  "dateOfBirth": "2024-02-28", "placeOfBirth": {"locality": "Candos", "district": "PW"}}
    })
}

/// A one-page feed: answers every request with `body`, logs each request line.
fn serve_feed(listener: TcpListener, body: String, requests: std::sync::mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                request.push(line.trim_end().to_owned());
            }
            let _ = requests.send(request.join("\n"));
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
}

#[test]
fn infohighway_feed_from_a_local_service() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = serde_json::json!({
        "records": [ih_record(1), ih_record(2), "garbled", ih_record(3)],
        "nextCursor": "c4", "hasMore": false, "remaining": 0
    })
    .to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    serve_feed(listener, body, tx);
    std::fs::write(
        d.join("infohighway-birth.toml"),
        civitas_infohighway::mappings::INFOHIGHWAY_BIRTH,
    )
    .unwrap();
    std::fs::write(d.join("key.txt"), "secret-key-1\n").unwrap();
    std::fs::write(
        d.join("ih.toml"),
        format!(
            "format = 1\nbase_url = \"http://127.0.0.1:{port}/api\"\npage_size = 50\n\
             [auth]\ntype = \"api-key\"\nkey_file = \"key.txt\"\n\
             [services.birth]\nservice = \"CSO.BirthRecords\"\nmapping = \"infohighway-birth.toml\"\n"
        ),
    )
    .unwrap();
    let out = civitas(
        &[
            "ingest",
            "infohighway",
            "--config",
            "ih.toml",
            "--data-dir",
            "data",
            "--report",
            "r.json",
            "--json",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "one garbled record → exit 1: {}",
        text(&out)
    );
    let summary = json_summary(&out);
    assert_eq!(summary["counts"]["issued"], 3, "{summary}");
    assert_eq!(summary["counts"]["rejected"], 1, "{summary}");
    assert_eq!(summary["checkpoint"]["cursor"], "c4", "{summary}");
    let request = rx.recv().unwrap();
    assert!(
        request.starts_with("GET /api/services/CSO.BirthRecords/records?limit=50 HTTP/1.1"),
        "{request}"
    );
    assert!(
        request
            .to_ascii_lowercase()
            .contains("x-api-key: secret-key-1"),
        "{request}"
    );

    // the next run continues from the checkpoint's cursor
    let out = civitas(
        &[
            "ingest",
            "infohighway",
            "--config",
            "ih.toml",
            "--data-dir",
            "data",
            "--json",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let request = rx.recv().unwrap();
    assert!(
        request.starts_with("GET /api/services/CSO.BirthRecords/records?limit=50&cursor=c4 "),
        "{request}"
    );
    let summary = json_summary(&out);
    assert_eq!(summary["counts"]["replayed"], 3, "{summary}");
}
