// Verifies an SD-JWT VC (dc+sd-jwt) with the independent JS stack
// @sd-jwt/sd-jwt-vc 0.19.0 (hasher from @sd-jwt/crypto-nodejs, signature
// checks with node:crypto), fully offline.
//
// usage:
//   node sd-jwt-verify.mjs <request.json>
//
// request.json:
//   {"sdJwt": "<jwt>~<d1>~...~[<kb-jwt>]",
//    "issuerJwk": {...public JWK, Ed25519 or P-256...},
//    "kb": {"aud": "...", "nonce": "..."} | null,
//    "requiredClaims": ["givenName", ...],   // optional: claim keys that must be present
//    "now": 1800000000}                      // optional: seconds since the epoch
//
// Prints one JSON line: {"verified": bool, "claims": {...}, "errors": [...],
// "header": {...}, "kb": {...} | null}.
// Exit code: 0 verified, 1 not verified, 2 usage or input error.
//
// With "kb", a KB-JWT is required: the library checks its signature against
// the credential's cnf.jwk, its nonce and sd_hash; this script also checks
// its `aud` (the library leaves that to the caller). The header `typ` must be
// dc+sd-jwt (or the earlier vc+sd-jwt). A `status` claim is never fetched:
// the status list fetcher refuses (no network).
import {readFileSync} from 'node:fs';
import crypto from 'node:crypto';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest} from '@sd-jwt/crypto-nodejs';

function emit(result, code) {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
}

function inputError(message) {
  emit({verified: false, claims: null, errors: [message]}, 2);
}

function b64urlDecode(text) {
  return Buffer.from(text, 'base64url');
}

// A node:crypto verifier for a public JWK: EdDSA (Ed25519) or ES256 (P-256,
// JOSE r||s signatures).
function jwkVerifier(jwk) {
  if (!jwk || typeof jwk !== 'object') {
    throw new Error('no public JWK to verify with');
  }
  const {d, ...publicJwk} = jwk; // never use private material
  void d;
  const key = crypto.createPublicKey({key: publicJwk, format: 'jwk'});
  const ec = publicJwk.kty === 'EC';
  return (data, signature) => crypto.verify(
    ec ? 'sha256' : null,
    Buffer.from(data),
    ec ? {key, dsaEncoding: 'ieee-p1363'} : key,
    b64urlDecode(signature));
}

const path = process.argv[2];
if (!path) {
  inputError('usage: node sd-jwt-verify.mjs <request.json>');
}
let request;
try {
  request = JSON.parse(readFileSync(path, 'utf8'));
} catch(e) {
  inputError(`cannot read the request: ${e.message}`);
}
if (typeof request?.sdJwt !== 'string' || typeof request?.issuerJwk !== 'object') {
  inputError('the request needs "sdJwt" (a string) and "issuerJwk" (an object)');
}

const errors = [];
let result;
try {
  const issuerVerifier = jwkVerifier(request.issuerJwk);
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: issuerVerifier,
    kbVerifier: (data, signature, payload) =>
      jwkVerifier(payload?.cnf?.jwk)(data, signature),
    statusListFetcher: async uri => {
      throw new Error(`refusing to fetch the status list ${uri} (offline)`);
    },
    loadTypeMetadataFormat: false
  });
  const options = {};
  if (request.kb) {
    options.keyBindingNonce = request.kb.nonce;
  }
  if (Array.isArray(request.requiredClaims)) {
    options.requiredClaimKeys = request.requiredClaims;
  }
  if (typeof request.now === 'number') {
    options.currentDate = request.now;
  }
  result = await sdjwt.verify(request.sdJwt, options);
  const typ = result.header?.typ;
  if (typ !== 'dc+sd-jwt' && typ !== 'vc+sd-jwt') {
    errors.push(`header typ is ${JSON.stringify(typ)}, not dc+sd-jwt`);
  }
  if (request.kb) {
    if (!result.kb) {
      errors.push('no key binding JWT');
    } else if (result.kb.payload.aud !== request.kb.aud) {
      errors.push(`KB-JWT aud is ${JSON.stringify(result.kb.payload.aud)}, ` +
        `expected ${JSON.stringify(request.kb.aud)}`);
    }
  }
} catch(e) {
  errors.push(e?.message ?? String(e));
}

const verified = errors.length === 0 && result !== undefined;
emit({
  verified,
  claims: verified ? result.payload : null,
  header: result?.header ?? null,
  kb: result?.kb ?? null,
  errors
}, verified ? 0 : 1);
