//! A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, `postgres` on
//! 127.0.0.1 and a free port (trust authentication, nothing else listens), one database per
//! test. Without PostgreSQL's server programs the tests are skipped loudly, except under
//! `CI=true` (`.ci/run` installs Debian's `postgresql`), where that is a failure.
//!
//! The server is stopped and its directory removed when its [`PgServer`] is dropped, and also
//! when the test process ends (a watchdog shell waits on a pipe from the test process and
//! stops the server when it closes): neither the shared server of a test process, which is
//! never dropped, nor a killed test run leaves a server or its files behind.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running server.
#[derive(Debug)]
pub struct PgServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    watchdog: Option<Child>,
    /// `setpriv` arguments when the tests run as root (PostgreSQL refuses to): run the server
    /// programs as the `postgres` user.
    as_user: Vec<String>,
}

static SHARED: OnceLock<Option<PgServer>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The directory holding `initdb`, `postgres`, `pg_ctl`, `pg_isready`, `createdb` and `psql`, if
/// installed: where `postgres` on `PATH` really is, else the newest `/usr/lib/postgresql/<version>/bin` (Debian).
fn server_bin() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            // the directory the program really is in (Debian links a few of them into
            // /usr/local/bin; pg_ctl, createdb and psql live beside the real one)
            if dir.join("initdb").is_file()
                && let Ok(real) = std::fs::canonicalize(dir.join("postgres"))
                && let Some(bin) = real.parent()
            {
                return Some(bin.to_path_buf());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn skipped(reason: &str) -> Option<PgServer> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("PostgreSQL is required under CI=true: {reason} (apt-get install -y postgresql)");
    }
    let bar = "=".repeat(78);
    // std::io::stderr() directly: not captured by the test harness
    let _ = writeln!(
        std::io::stderr(),
        "{bar}\nPOSTGRESQL SKIPPED: {reason}; the PostgreSQL registry was not checked \
         (apt-get install -y postgresql; set CI=true to make this an error)\n{bar}"
    );
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// `id -u postgres` / `id -g postgres`.
fn postgres_ids() -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|s| s.trim() == "0")
}

impl PgServer {
    /// The server shared by every test of this process (started on first use), or `None`
    /// (skipped loudly) without PostgreSQL.
    pub fn shared() -> Option<&'static PgServer> {
        SHARED.get_or_init(PgServer::start).as_ref()
    }

    /// A server of the caller's own (for tests that stop or crash it), or `None` (skipped
    /// loudly) without PostgreSQL.
    pub fn start() -> Option<PgServer> {
        let Some(bin) = server_bin() else {
            return skipped("the PostgreSQL server programs (initdb, postgres) are not installed");
        };
        let dir = tempfile::Builder::new()
            .prefix("civitas-pg-")
            .tempdir()
            .expect("a temporary directory");
        let mut as_user = Vec::new();
        if running_as_root() {
            let Some((uid, gid)) = postgres_ids() else {
                return skipped(
                    "running as root and there is no `postgres` user to run the server as",
                );
            };
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("chown of the server directory");
            as_user = vec![
                "setpriv".into(),
                format!("--reuid={uid}"),
                format!("--regid={gid}"),
                "--clear-groups".into(),
                "--".into(),
            ];
        }
        let mut server = PgServer {
            bin,
            dir,
            port: free_port(),
            watchdog: None,
            as_user,
        };
        let initdb = server
            .command("initdb")
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .arg("--pgdata")
            .arg(server.data_dir())
            .output()
            .expect("initdb runs");
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        server.run();
        Some(server)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// While this file exists, the watchdog leaves the server's directory in place.
    fn keep_marker(&self) -> PathBuf {
        self.dir.path().join("keep")
    }

    /// A server program, run as the `postgres` user when the tests run as root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.as_user.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    /// Starts the server process (under its watchdog) and waits until it accepts connections.
    fn run(&mut self) {
        let mut postgres = self.command("postgres");
        postgres
            .arg("-D")
            .arg(self.data_dir())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-k")
            .arg(self.dir.path())
            .args(["-c", "max_connections=200", "-c", "fsync=on"]);
        let program = shell_quote(&postgres.get_program().to_string_lossy());
        let args: Vec<String> = postgres
            .get_args()
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect();
        let log = self.dir.path().join("server.log");
        let keep = self.keep_marker();
        let _ = std::fs::remove_file(&keep);
        // the watchdog: starts the server, and when the test process's pipe closes, whether the
        // test ended or was killed, stops it (fast shutdown) and removes its directory (unless
        // the server is only being crashed to be started again: the keep marker)
        let script = format!(
            "{program} {} </dev/null >>{} 2>&1 & pid=$!; read _ignored; kill -INT $pid 2>/dev/null; \
             wait $pid; [ -e {} ] || rm -rf {}",
            args.join(" "),
            shell_quote(&log.to_string_lossy()),
            shell_quote(&keep.to_string_lossy()),
            shell_quote(&self.dir.path().to_string_lossy()),
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh runs");
        self.watchdog = Some(child);
        self.wait_ready(&log);
    }

    fn wait_ready(&self, log: &Path) {
        let started = Instant::now();
        loop {
            let check = self
                .command("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .output();
            if check.as_ref().is_ok_and(|o| o.status.success()) {
                return;
            }
            if started.elapsed() > Duration::from_secs(60) {
                panic!(
                    "PostgreSQL did not start ({check:?}): {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A client program (`createdb`, `psql`, `pg_dump`, `pg_restore`) connected to the server
    /// as its superuser.
    fn client(&self, program: &str) -> Command {
        let mut c = self.command(program);
        c.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
        ]);
        c
    }

    /// Runs `command` (what it does: `what`) and returns its standard output; panics with its
    /// standard error when it fails.
    fn run_ok(mut command: Command, what: &str) -> Vec<u8> {
        let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Creates a new, empty database and returns its URL
    /// (`postgres://postgres@127.0.0.1:<port>/<name>`).
    pub fn database(&self) -> String {
        let name = format!(
            "civitas_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        let mut createdb = self.client("createdb");
        createdb.arg(&name);
        Self::run_ok(createdb, &format!("createdb {name}"));
        self.url(&name)
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs SQL in database `name` with `psql` and returns what it printed (unaligned, tuples
    /// only).
    pub fn psql(&self, name: &str, sql: &str) -> String {
        let mut psql = self.client("psql");
        psql.args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            name,
            "-c",
            sql,
        ]);
        let out = Self::run_ok(psql, &format!("psql {sql}"));
        String::from_utf8_lossy(&out).trim().to_owned()
    }

    /// Backs database `name` up with `pg_dump` (custom format) into `file`.
    pub fn dump(&self, name: &str, file: &Path) {
        let mut dump = self.client("pg_dump");
        dump.args(["--format=custom", "--no-owner", "-d", name]);
        let out = Self::run_ok(dump, &format!("pg_dump {name}"));
        std::fs::write(file, out).expect("writing the dump");
    }

    /// Restores a `pg_dump` file into a new database and returns its URL.
    pub fn restore(&self, file: &Path) -> String {
        let url = self.database();
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        let mut restore = self.client("pg_restore");
        restore
            .args(["--no-owner", "--exit-on-error", "-d", &name])
            .stdin(std::fs::File::open(file).expect("the dump file"));
        Self::run_ok(restore, &format!("pg_restore into {name}"));
        url
    }

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`: every process ends at
    /// once, and the next start recovers from the write-ahead log).
    pub fn crash(&mut self) {
        let out = self
            .command("pg_ctl")
            .args(["stop", "-m", "immediate", "-w", "-D"])
            .arg(self.data_dir())
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::write(self.keep_marker(), b"");
        if let Some(mut w) = self.watchdog.take() {
            drop(w.stdin.take());
            let _ = w.wait();
        }
    }

    /// Starts the server again after [`crash`](Self::crash), on the same port.
    pub fn start_again(&mut self) {
        self.run();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            // closing the pipe makes the watchdog stop the server
            drop(w.stdin.take());
            let _ = w.wait();
        }
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Copies an issuer's data directory (its key, TLS certificate and `store.toml`) to `to`: what
/// another instance of the same issuer on a shared PostgreSQL registry starts from.
pub fn copy_data_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_data_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
