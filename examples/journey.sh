#!/usr/bin/env bash
# The civitas journey from the command line: a civil status office issues birth certificates
# from its registry export, a citizen receives hers in her wallet through an OpenID4VCI offer (a
# QR code and a transaction code), bound to her wallet's key — also as an SD-JWT VC — and the
# bank asks for her name and date of birth through OpenID4VP (a QR code): her wallet discloses
# those three claims and nothing else; a verifier that needs the whole document verifies it
# offline; the registrar revokes it, and the bank — and the printed paper — now say it is
# revoked.
#
#   bash examples/journey.sh
#
# Only the `civitas` command line and the issuer example are used (plus curl, to talk to the
# issuer's HTTPS API as the registry's own applications would, and poppler's pdftoppm to turn
# the printed certificate into an image, when it is installed). Everything happens in a
# temporary directory (JOURNEY_DIR to choose it) and on 127.0.0.1 (JOURNEY_PORT, default 8443).
# CIVITAS_BIN and ISSUER_BIN name already-built binaries; otherwise they are built, into
# CARGO_TARGET_DIR when it is set (as cargo does), else ./target.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

WORK="${JOURNEY_DIR:-$(mktemp -d)}"
PORT="${JOURNEY_PORT:-8443}"
BASE="https://127.0.0.1:$PORT"
PROFILE="${JOURNEY_PROFILE:-release}"
mkdir -p "$WORK"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

# Where cargo puts what it builds: CARGO_TARGET_DIR (relative to this directory, as cargo
# reads it here), else ./target.
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in
  /*) ;;
  *) TARGET_DIR="$PWD/$TARGET_DIR" ;;
esac

step "0. Build the civitas command line and the issuer service ($PROFILE)"
if [ -n "${CIVITAS_BIN:-}" ] && [ -n "${ISSUER_BIN:-}" ]; then
  echo "(using $CIVITAS_BIN and $ISSUER_BIN)"
elif [ "$PROFILE" = release ]; then
  cargo build -q --release -p civitas-cli --bin civitas
  cargo build -q --release --example issuer
else
  PROFILE=debug
  cargo build -q -p civitas-cli --bin civitas
  cargo build -q --example issuer
fi
CIVITAS_BIN="${CIVITAS_BIN:-$TARGET_DIR/$PROFILE/civitas}"
ISSUER_BIN="${ISSUER_BIN:-$TARGET_DIR/$PROFILE/examples/issuer}"
for bin in "$CIVITAS_BIN" "$ISSUER_BIN"; do
  if [ ! -x "$bin" ]; then
    echo "journey: $bin is missing or not executable (built into another target directory?)" >&2
    exit 2
  fi
done
civitas() { "$CIVITAS_BIN" "$@"; }
export CIVITAS_DATA_DIR="$WORK/registry" CIVITAS_WALLET_DIR="$WORK/wallet"
export CIVITAS_WALLET_PASSPHRASE="marie's own passphrase"
# A fast key derivation for this demonstration's wallet (never in production).
export CIVITAS_WALLET_KDF=testing
cd "$WORK"

step "1. Marie-Claire creates her wallet, an encrypted safe only her passphrase opens"
civitas wallet init | tee wallet.txt
HOLDER=$(sed -n 's/^holder DID: //p' wallet.txt)
echo "(her civil-registry record does not know this DID: the issuer binds her certificate to it when she receives it)"

step "2. The civil status office sets up its issuer (did:web on $BASE)"
civitas issuer init --base-url "$BASE" | tee init.txt
ADMIN=$(sed -n 's/^admin token (shown once): //p' init.txt)

step "3. It issues birth certificates from the registry's records (JSON Lines + a mapping, no code)"
cat > births.jsonl <<JSONL
{"recordId": "CSO-B-1998-PW-001234", "version": 1, "registration": {"district": "PW", "year": 1998, "entryNumber": "001234", "office": "Civil Status Office, Rose Hill", "date": "1998-03-02", "registrar": "A. Ramdin"}, "child": {"surname": "Lebon", "otherNames": {"en": "Marie-Claire"}, "sex": 2, "dateOfBirth": "1998-02-27", "timeOfBirth": "14:35", "placeOfBirth": {"institution": "Victoria Hospital", "locality": "Candos", "district": "PW"}}, "mother": {"surname": "Lebon", "otherNames": {"en": "Anne"}, "nid": "L0101197012345", "nationality": "MU"}, "father": {"surname": "Lebon", "otherNames": {"en": "John", "fr": "Jean"}, "nid": "L0202196854321", "nationality": "MU"}}
{"recordId": "CSO-B-2024-PL-000777", "version": 1, "registration": {"district": "PL", "year": 2024, "entryNumber": "000777", "office": "Civil Status Office, Port Louis", "date": "2024-01-13", "registrar": "K. Appadoo"}, "child": {"surname": "Doorgah", "otherNames": {"en": "Ravi"}, "sex": 1, "dateOfBirth": "2024-01-09", "placeOfBirth": {"institution": "Dr A. G. Jeetoo Hospital", "locality": "Port Louis", "district": "PL"}}, "mother": {"surname": "Li", "otherNames": {"en": "Sophie"}, "nationality": "MU"}}
{"recordId": "CSO-B-2024-PL-000778", "version": 1, "registration": {"district": "PL", "year": 2024, "entryNumber": "000778", "office": "Civil Status Office, Port Louis", "date": "2024-01-13", "registrar": "K. Appadoo"}, "child": {"surname": "Unknown", "otherNames": {"en": "Baby"}, "sex": 7, "dateOfBirth": "2024-02-31", "placeOfBirth": {"locality": "Port Louis", "district": "PL"}}}
JSONL
show civitas ingest file births.jsonl --mapping "$REPO/crates/infohighway/mappings/infohighway-birth.toml" \
  --report ingest-report.json --quiet || true
echo "(the third record is not valid: it is in ingest-report.json, with its field and reason)"
civitas issuer list | tee list.txt
ID=$(grep 'CSO-B-1998-PW-001234' list.txt | cut -d' ' -f1)
show civitas issuer export "$ID" --out marie-claire.json
show civitas issuer export "$ID" --as pdf --out marie-claire.pdf

step "4. The issuer service publishes its DID document and status lists (the README's main command)"
"$ISSUER_BIN" --listen "127.0.0.1:$PORT" --base-url "$BASE" > issuer.log 2>&1 &
ISSUER_PID=$!
trap 'kill $ISSUER_PID 2>/dev/null || true' EXIT
CURL=(curl -sS --fail-with-body --cacert "$CIVITAS_DATA_DIR/tls/cert.pem")
for _ in $(seq 1 100); do
  "${CURL[@]}" -o /dev/null "$BASE/healthz" 2>/dev/null && break
  sleep 0.2
done
head -4 issuer.log
"${CURL[@]}" -o did.json "$BASE/.well-known/did.json"
echo "DID document: did.json"

step "5. The ministry signs a trust list: this office may issue birth and marriage certificates"
civitas keys generate --out ministry.jwk | tee ministry.txt
MINISTRY=$(sed -n 's/^did:key: *//p' ministry.txt)
ISSUER_DID=$(sed -n 's/^DID *//p' init.txt)
civitas trust-list create --name "Republic of Mauritius: civil registry" --out trust-draft.json
civitas trust-list add trust-draft.json --issuer "$ISSUER_DID" --name "Civil Status Division" \
  --document-type BirthCertificate --document-type MarriageCertificate --did-document did.json \
  --out trust-draft.json
civitas trust-list sign trust-draft.json --key ministry.jwk --out trust-list.jwt

bundle() {
  "${CURL[@]}" -o revocation.json "$BASE/status/revocation/1"
  "${CURL[@]}" -o suspension.json "$BASE/status/suspension/1"
  "${CURL[@]}" -o token.jwt "$BASE/status/token/1"
  civitas verifier bundle --trust-list trust-list.jwt --trust-anchor "$MINISTRY" \
    --status-list revocation.json --status-list suspension.json \
    --status-token "$BASE/status/token/1=token.jwt" --out "$1"
}

# The bank's OpenID4VP relying party: `civitas verifier serve` on 127.0.0.1 with its bundle
# (plain HTTP on loopback here; behind its TLS proxy at https://… in production).
RP_PORT="${JOURNEY_RP_PORT:-$((PORT + 1))}"
RP="http://127.0.0.1:$RP_PORT"
RP_PID=""
relying_party() {
  [ -n "$RP_PID" ] && kill "$RP_PID" 2>/dev/null && wait "$RP_PID" 2>/dev/null || true
  # the binary itself, not the shell function: $! is then its PID, to stop it with
  "$CIVITAS_BIN" verifier serve --bundle "$1" --trust-anchor "$MINISTRY" --listen "127.0.0.1:$RP_PORT" \
    --public-url "$RP" --client-name "Bank of Port Louis" --verifier-key bank-rp.key \
    --rp-token-file bank-rp.token > relying-party.log 2>&1 &
  RP_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "$RP/oid4vp/requests/none" && return 0
    sleep 0.1
  done
  echo "journey: the relying party did not start:" >&2; cat relying-party.log >&2; exit 1
}
trap 'kill $ISSUER_PID 2>/dev/null || true; [ -n "$RP_PID" ] && kill "$RP_PID" 2>/dev/null || true' EXIT

step "6. The bank's nightly offline bundle: trust list + status list and token list snapshots"
bundle bank-bundle.json

step "7. The registrar makes an offer; Marie-Claire scans its QR code and types the code sent by SMS"
"${CURL[@]}" -X POST -H "Authorization: Bearer $ADMIN" -o offer.json "$BASE/credentials/$ID/offers"
sed -n 's/.*"png":"\([^"]*\)".*/\1/p' offer.json | base64 -d > offer-qr.png
TX_CODE=$(sed -n 's/.*"txCode":"\([0-9]*\)".*/\1/p' offer.json)
echo "offer QR code: offer-qr.png; transaction code (by SMS): $TX_CODE"
echo "(her wallet proves its key; the issuer binds the copy to it; the wallet verifies it before storing it)"
show civitas wallet receive offer-qr.png --tx-code "$TX_CODE" --ca "$CIVITAS_DATA_DIR/tls/cert.pem" \
  --bundle bank-bundle.json --trust-anchor "$MINISTRY"
civitas wallet list

DOC=$(civitas wallet list --type birth --name Marie-Claire | cut -d' ' -f1)
echo "(and, from a second offer, as an SD-JWT VC: the form that lets her show only some claims)"
"${CURL[@]}" -X POST -H "Authorization: Bearer $ADMIN" -o offer-2.json "$BASE/credentials/$ID/offers"
show civitas wallet receive "$(sed -n 's/.*"offerUriByReference":"\([^"]*\)".*/\1/p' offer-2.json)" \
  --tx-code "$(sed -n 's/.*"txCode":"\([0-9]*\)".*/\1/p' offer-2.json)" \
  --configuration "BirthCertificate_dc+sd-jwt" --ca "$CIVITAS_DATA_DIR/tls/cert.pem" \
  --bundle bank-bundle.json --trust-anchor "$MINISTRY"

step "8. The bank asks through OpenID4VP for her name and date of birth; she scans its QR code"
relying_party bank-bundle.json
civitas verifier request --server "$RP" --token-file bank-rp.token --type birth \
  --claims givenName,familyName,birthDate --qr bank-request.png --json > request.json
REQUEST=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' request.json | head -1)
echo "request $REQUEST: QR code bank-request.png"
show civitas wallet respond bank-request.png --yes --allow-loopback-http
show civitas verifier result --server "$RP" --token-file bank-rp.token "$REQUEST"
civitas wallet log

step "9. A verifier that needs the whole document asks with a challenge and verifies offline"
civitas wallet present "$DOC" --challenge bank-7f3a91 --domain https://bank.example \
  --to "Bank of Port Louis" --out presentation.json
show civitas verify presentation.json --bundle bank-bundle.json --trust-anchor "$MINISTRY" \
  --challenge bank-7f3a91 --domain https://bank.example

step "10. The registrar revokes the certificate (registered in error), and with it the copy in her wallet"
"${CURL[@]}" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  --data "{\"credentialId\": \"$ID\", \"action\": \"revoke\", \"reason\": \"registered in error\"}" \
  "$BASE/credentials/status"
echo

step "11. Tonight's bundle; the same presentation is now revoked, and so is her SD-JWT VC"
bundle bank-bundle-2.json
set +e
show civitas verify presentation.json --bundle bank-bundle-2.json --trust-anchor "$MINISTRY" \
  --challenge bank-7f3a91 --domain https://bank.example
PRESENTATION_EXIT=$?
relying_party bank-bundle-2.json
civitas verifier request --server "$RP" --token-file bank-rp.token --type birth \
  --claims givenName,familyName,birthDate --qr bank-request-2.png > /dev/null
show civitas wallet respond bank-request-2.png --yes --allow-loopback-http
RESPOND_EXIT=$?

step "12. And the printed certificate: its QR code, read from the paper, says revoked too"
if command -v pdftoppm >/dev/null 2>&1; then
  pdftoppm -r 300 -png -singlefile marie-claire.pdf marie-claire-page
  PAPER=marie-claire-page.png
else
  echo "(pdftoppm not installed: using the QR text printed on the certificate)"
  civitas issuer export "$ID" --as qr --out marie-claire-qr.txt 2>/dev/null \
    || "${CURL[@]}" -H "Authorization: Bearer $ADMIN" -o marie-claire-qr.txt "$BASE/credentials/$ID/qr"
  PAPER=marie-claire-qr.txt
fi
show civitas verify "$PAPER" --bundle bank-bundle-2.json --trust-anchor "$MINISTRY"
PAPER_EXIT=$?
set -e

echo
if [ "$PRESENTATION_EXIT" = 1 ] && [ "$RESPOND_EXIT" = 1 ] && [ "$PAPER_EXIT" = 1 ]; then
  echo "The journey ends as it should: the revoked birth certificate is refused (exit 1), online or on paper."
else
  echo "Unexpected: the revoked certificate was not refused (exit $PRESENTATION_EXIT, $RESPOND_EXIT, $PAPER_EXIT)." >&2
  exit 1
fi
