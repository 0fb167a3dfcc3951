#!/usr/bin/env bash
# The W3C VC-API conformance suites against civitas: VC Data Model 2.0 (59 tests), Data Integrity
# eddsa-rdfc-2022 (44) and Bitstring Status List (27).
#
# Starts the issuer example in the open VC-API mode (SPEC §12.10) on 127.0.0.1, from an empty data
# directory, with a did:key, status messages and the W3C examples context allowed; runs the pinned suites'
# run.sh (../shared/conformance/w3c/run.sh, or $W3C_SUITES) against its issue, verify and status
# endpoints; stops the issuer. Exit status: run.sh's (0 only when every test passed).
#
# Without the suites (a user's clone has no ../shared) it says so and exits 0.
#
#   scripts/w3c-conformance.sh [REPORT_DIR]
#
# Environment: W3C_SUITES (the folder holding run.sh), W3C_DIR / SKIP_INSTALL=1 (reuse an
# installed copy of the suites, see run.sh), CARGO_PROFILE_FLAG (default: none, the debug
# build `cargo test` already made; `--release` for a release build).
#
# Exit status: 0 when every test passed except those listed in scripts/w3c-expected-failures.txt
# (tests that are themselves wrong, each explained in SPEC §12.10), and each of those still
# fails; 1 otherwise; 2 when the run could not be set up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

W3C_SUITES=${W3C_SUITES:-$ROOT/../shared/conformance/w3c}
if [ ! -f "$W3C_SUITES/run.sh" ]; then
  echo "w3c-conformance: SKIPPED: the W3C suites are not here ($W3C_SUITES/run.sh is missing)."
  echo "w3c-conformance: set W3C_SUITES to the folder holding the pinned suites and run.sh."
  exit 0
fi
REPORT_DIR=${1:-$ROOT/target/w3c-reports}
mkdir -p "$REPORT_DIR"

# The suites' lockfiles: run.sh installs with `npm ci`, which needs them. Where the pinned copy
# comes without them, the ones kept in scripts/w3c-locks (resolved once from the npm registry
# for the pinned commits) are installed here, into W3C_DIR, before run.sh looks.
export W3C_DIR=${W3C_DIR:-$ROOT/target/w3c-suites}
mkdir -p "$W3C_DIR/pkgs"
cp "$W3C_SUITES"/pkgs/*.tgz "$W3C_DIR/pkgs/"
for suite in vc-data-model-2.0-test-suite vc-di-eddsa-test-suite vc-bitstring-status-list-test-suite; do
  [ -f "$W3C_SUITES/$suite/package-lock.json" ] && continue
  [ -f "$W3C_DIR/$suite/node_modules/.w3c-installed" ] && continue
  echo "w3c-conformance: $suite has no lockfile; installing it with scripts/w3c-locks/$suite" >&2
  rm -rf "${W3C_DIR:?}/$suite"
  cp -r "$W3C_SUITES/$suite" "$W3C_DIR/$suite"
  chmod -R u+w "$W3C_DIR/$suite"
  cp "scripts/w3c-locks/$suite/package-lock.json" "$W3C_DIR/$suite/"
  (cd "$W3C_DIR/$suite" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$W3C_DIR/$suite/node_modules/.w3c-installed"
done

echo "w3c-conformance: building the issuer example" >&2
# The workspace's examples, as `cargo test --workspace` builds them (the same features): right
# after the tests (in .ci/run) nothing is compiled again.
# shellcheck disable=SC2086
cargo build --quiet ${CARGO_PROFILE_FLAG:-} --workspace --examples
case "${CARGO_PROFILE_FLAG:-}" in
  --release) BIN=$ROOT/target/release/examples/issuer ;;
  *) BIN=$ROOT/target/debug/examples/issuer ;;
esac

DATA=$(mktemp -d -t civitas-w3c.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=$REPORT_DIR/issuer.log
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
# the script's own exit status survives the clean-up
trap 'rc=$?; cleanup; exit $rc' EXIT

EXAMPLES=https://www.w3.org/ns/credentials/examples/v2
CIVITAS_ISSUER_PASSPHRASE=w3c-conformance-run RUST_LOG=warn \
  "$BIN" --data-dir "$DATA" --listen "127.0.0.1:$PORT" --base-url "https://127.0.0.1:$PORT" \
  --did-key --open-vc-api --status-messages --allow-context "$EXAMPLES" >"$LOG" 2>&1 &
PID=$!

for _ in $(seq 1 300); do
  grep -q "^Press Ctrl-C" "$LOG" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { echo "w3c-conformance: the issuer stopped:" >&2; cat "$LOG" >&2; exit 2; }
  sleep 0.1
done
DID=$(sed -n 's/^  DID *//p' "$LOG" | head -1)
TOKEN=$(grep -A1 "^Admin token" "$LOG" | tail -1 | tr -d ' ')
if [ -z "$DID" ] || [ -z "$TOKEN" ]; then
  echo "w3c-conformance: could not read the issuer's DID and admin token from its banner:" >&2
  cat "$LOG" >&2
  exit 2
fi
echo "w3c-conformance: issuer $DID on https://127.0.0.1:$PORT" >&2

BASE=https://127.0.0.1:$PORT
set +e
HEADERS="{\"Authorization\":\"Bearer $TOKEN\"}" \
  NODE_TLS_REJECT_UNAUTHORIZED=0 \
  VERIFY_URL=$BASE/credentials/verify VP_VERIFY_URL=$BASE/presentations/verify \
  "$W3C_SUITES/run.sh" "$BASE" "$DID" "$REPORT_DIR"
rc=$?
set -e
[ "$rc" -eq 2 ] && { echo "w3c-conformance: run.sh could not set up the run" >&2; exit 2; }

# Judge the reports: every failure must be an expected one, every expected one must still fail.
REPORT_DIR="$REPORT_DIR" SUITES="${SUITES:-vcdm2 eddsa bsl}" \
  EXPECTED="$ROOT/scripts/w3c-expected-failures.txt" node -e '
  const fs = require("fs"), e = process.env;
  const expected = fs.readFileSync(e.EXPECTED, "utf8").split("\n")
    .filter(l => l.trim() && !l.startsWith("#")).map(l => {
      const [suite, title] = l.split("\t"); return {suite, title, seen: false}; });
  let bad = 0;
  for (const suite of e.SUITES.split(/\s+/).filter(Boolean)) {
    let r;
    try { r = JSON.parse(fs.readFileSync(`${e.REPORT_DIR}/${suite}.json`, "utf8")); }
    catch (x) { console.log(`w3c-conformance: ${suite}: no report`); bad++; continue; }
    let planned = r.stats.tests;
    try { planned = JSON.parse(fs.readFileSync(`${e.REPORT_DIR}/${suite}.planned.json`, "utf8")).stats.tests; } catch (x) {}
    if (r.stats.passes + r.stats.failures + r.stats.pending < planned) {
      console.log(`w3c-conformance: ${suite}: ${planned - r.stats.tests} planned tests never ran`); bad++;
    }
    for (const f of r.failures) {
      const title = f.fullTitle.replace(/\s+/g, " ");
      const hit = expected.find(x => x.suite === suite && title.startsWith(x.title));
      if (hit) { hit.seen = true; console.log(`w3c-conformance: expected failure (SPEC §12.10): ${suite}: ${title.slice(0, 120)}`); }
      else { console.log(`w3c-conformance: FAILED: ${suite}: ${title.slice(0, 200)}`); bad++; }
    }
    if (r.stats.pending) console.log(`w3c-conformance: ${suite}: ${r.stats.pending} tests skipped by the suite itself (SPEC §12.10)`);
  }
  for (const x of expected.filter(x => !x.seen && e.SUITES.includes(x.suite))) {
    console.log(`w3c-conformance: an expected failure passed or did not run; update scripts/w3c-expected-failures.txt: ${x.suite}: ${x.title}`);
    bad++;
  }
  console.log(bad ? "w3c-conformance: FAILED" : "w3c-conformance: ok");
  process.exit(bad ? 1 : 0);
'
