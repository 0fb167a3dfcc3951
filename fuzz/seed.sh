#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with well-formed inputs from the repository (vectors, shipped
# mappings, the example configuration) and a few hand-written ones, so that a short run starts
# from inputs that get past the first parse. Run from anywhere; existing corpus files are kept.
set -euo pipefail
cd "$(dirname "$0")"
root=..
record='{"recordId":"PW/B/2024/000001","version":1,"registration":{"district":"PW","year":2024,"entryNumber":"000001","office":"Civil Status Office, Rose Hill","date":"2024-03-04","registrar":"A. Ramdin"},"child":{"surname":"Lebon","otherNames":{"en":"Marie","fr":"Marie"},"sex":2,"dateOfBirth":"2024-03-01","timeOfBirth":"14:35","placeOfBirth":{"institution":"Victoria Hospital","locality":"Candos","district":"PW"}},"mother":{"surname":"Lebon","otherNames":{"en":"Anne"},"nid":"L0101198512345","nationality":"MU"},"father":{"surname":"Lebon","otherNames":{"en":"John","fr":"Jean"},"nid":"L0202198354321","nationality":"MU"}}'
seed() { # target name < content
  mkdir -p "corpus/$1"
  cat > "corpus/$1/seed-$2"
}
copy() { # target file...
  local t=$1; shift
  mkdir -p "corpus/$t"
  for f in "$@"; do cp "$f" "corpus/$t/seed-$(echo "${f#"$root"/}" | tr / _)"; done
}

creds=("$root"/vectors/civitas/*/signed-di*.json "$root"/vectors/civitas/*/signed.jwt "$root"/vectors/compact/*.txt)
copy presentation "${creds[@]}"
copy wallet_input "${creds[@]}"
copy trust_list "$root"/vectors/civitas/*/signed-di.json

did='did:web:registry.gov.example'
key='z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk'
doc="{\"@context\":[\"https://www.w3.org/ns/did/v1\",\"https://w3id.org/security/multikey/v1\"],\"id\":\"$did\",\"verificationMethod\":[{\"id\":\"$did#key-1\",\"type\":\"Multikey\",\"controller\":\"$did\",\"publicKeyMultibase\":\"$key\"}],\"assertionMethod\":[\"$did#key-1\"],\"authentication\":[\"#key-1\"]}"
echo "$doc" | seed did_document web
echo "did:key:$key" | seed did_document key
echo "$did:civil:registry" | seed did_document web-path
echo "$key" | seed did_document multikey
echo '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}' | seed did_document jwk

echo "{\"type\":\"TrustedIssuerList\",\"name\":\"Mauritius\",\"sequence\":3,\"trustedIssuers\":[{\"id\":\"$did\",\"name\":\"Civil Status Division\",\"documentTypes\":[\"BirthCertificate\",\"MarriageCertificate\"],\"didDocument\":$doc,\"keyValidity\":[{\"key\":\"$did#key-1\",\"notBefore\":\"2025-01-01T00:00:00Z\",\"notAfter\":\"2027-01-01T00:00:00Z\"}]},{\"id\":\"did:key:$key\",\"documentTypes\":[\"BirthCertificate\"]}]}" |
  seed trust_list draft

cred=$(cat "$root"/vectors/civitas/birth-certificate/signed-di.json)
jwt=$(tr -d '\n' < "$root"/vectors/civitas/birth-certificate/signed.jwt)
echo "{\"type\":\"CivitasVerifierBundle\",\"version\":1,\"createdAt\":\"2026-03-01T02:00:00Z\",\"trustList\":\"$jwt\",\"statusLists\":[{\"url\":\"https://registry.gov.mu/status/1\",\"fetchedAt\":\"2026-03-01T01:59:58.5+04:00\",\"credential\":$cred}],\"contexts\":[{\"url\":\"https://example.org/ctx/v1\",\"document\":{\"@context\":{\"x\":\"https://example.org/x\"}}}]}" |
  seed bundle full
echo "{\"type\":\"CivitasVerifierBundle\",\"version\":1,\"createdAt\":\"2026-03-01T02:00:00Z\",\"trustList\":$cred}" | seed bundle di

sealed_kdf='{"memory_kib":8,"iterations":1,"parallelism":1}'
echo "{\"version\":1,\"kdf\":$sealed_kdf,\"salt\":\"AAECAwQFBgcICQoLDA0ODw\",\"ciphertext\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis\"}" | seed sealed file
header="{\"version\":1,\"kdf\":$sealed_kdf,\"salt\":\"AAECAwQFBgcICQoLDA0ODw\",\"check\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis\"}"
echo "$header" | seed wallet_input header
echo "{\"format\":\"civitas-wallet-backup\",\"version\":1,\"created\":\"2026-03-01T02:00:00Z\",\"header\":$header,\"content\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis\"}" |
  seed wallet_input backup

copy mapping_toml "$root"/crates/infohighway/mappings/*.toml
copy profile_toml "$root"/crates/profile/profiles/*.toml
{ cat "$root"/crates/infohighway/mappings/infohighway-birth.toml; printf '\xff'
  echo "$record"
} | seed mapping_toml with-record
copy config_toml "$root"/crates/infohighway/infohighway.example.toml

printf '%s\n%s\n{"bad": \n[1]\n' "$record" "$record" | seed record_file jsonl
{ printf ','; echo 'district,year,entry_no,record_version,child_given,child_given_fr,child_surname,sex,date_of_birth,time_of_birth,birth_institution,birth_locality,birth_district,mother_given,mother_surname,mother_nid,mother_nationality,father_given,father_given_fr,father_surname,father_nid,father_nationality,office,registration_date,registrar'
  echo 'PW,2024,001234,1,Marie-Claire,,Lebon,F,28/02/2024,14:35,Victoria Hospital,Candos,PW,Anne,Lebon,L0101198512345,MU,John,Jean,Lebon,L0202198354321,MU,"Civil Status Office, Rose Hill",01/03/2024,A. Ramdin'
  echo 'PW,2024,001235,1,garbled'; } | seed record_file csv

echo "{\"records\":[$record,{\"recordId\":\"x\"}],\"nextCursor\":\"c-2\",\"hasMore\":true,\"remaining\":12}" | seed infohighway_page default
echo "{\"data\":{\"items\":[$record]},\"paging\":{\"next\":7,\"more\":false,\"left\":0}}" | seed infohighway_page dotted
echo '{"format":1,"feed":"https://ih.gov.example/api/services/CSO.BirthRecords/records","cursor":"c-2","pages":3,"records":300,"updatedAt":"2026-03-01T02:00:00Z"}' |
  seed infohighway_page checkpoint
echo "corpus seeded: $(ls corpus | wc -l) targets"

# the verifier page's form: a multipart body with a file and a text, and an urlencoded one
printf 'multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name="lang"\r\n\r\nfr\r\n--XyZ\r\nContent-Disposition: form-data; name="document"; filename="qr.txt"\r\nContent-Type: text/plain\r\n\r\nCV1:ABC\r\n--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\nCV1:DEF\r\n--XyZ--\r\n' | seed verify_upload multipart
printf 'application/x-www-form-urlencoded\ntext=CV1%%3AABC&lang=en' | seed verify_upload urlencoded
echo 'postgres://civitas:secret@127.0.0.1:5432/registry?sslmode=disable&password=x' | seed issuer_files url
echo 'url = "postgresql:///registry?host=/run/postgresql"' | seed issuer_files store-toml
printf 'module = "/usr/lib/softhsm/libsofthsm2.so"\ntoken_label = "civitas"\nkey_label = "issuer"\nalgorithm = "ed25519"\npin_env = "CIVITAS_HSM_PIN"\n' | seed issuer_files hsm-toml
