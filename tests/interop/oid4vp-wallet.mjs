// The JS OpenID4VP 1.0 wallet: answers a verifier's request link with an
// SD-JWT VC, using @openid4vc/openid4vp's Openid4vpClient for the protocol and
// @sd-jwt/sd-jwt-vc for the presentation.
//
// usage:
//   node oid4vp-wallet.mjs <request.json> [--wrong-nonce]
//   node oid4vp-wallet.mjs --link URI --sd-jwt FILE --holder-jwk JSON|FILE
//        [--ca-cert FILE] [--wrong-nonce]
//
// request.json: {"link": "openid4vp://?client_id=…&request_uri=…",
//                "sdJwt": "<issuer-jwt>~<d1>~…~",
//                "holderJwk": {…private JWK of cnf.jwk: Ed25519 or P-256…},
//                "caCert": "path/to/the/verifier's/cert.pem"}
//
// Steps (each a `stage` on failure): `parse` the link, `resolve` it (fetch
// the request object from request_uri and verify it: a JAR signed by a key of
// the DID of `decentralized_identifier:` client_id, did:key resolved
// locally), `select` the credential query (dc+sd-jwt, the credential's `vct`
// among `vct_values`), `present` (the claims the DCQL query names, a KB-JWT
// with aud = the effective client_id, the request's nonce, iat = now, signed
// with the holder key), `response` (vp_token {queryId: [presentation]}) and
// `submit` (direct_post to response_uri). --wrong-nonce signs the KB-JWT over
// a nonce the verifier never gave.
//
// Prints one JSON line:
//   {"ok":bool,"status":HTTP status,"body":…,"disclosed":[claim names],
//    "clientId","nonce","queryId","presentation","http":[…]}
//   {"ok":false,"stage":"resolve","error":"…","http":[…]}
// `ok` means the verifier answered 2xx. Exit 0 accepted, 1 refused or failed,
// 2 usage error. HTTPS to 127.0.0.1 only; `caCert` (or --ca-cert) is trusted
// through NODE_EXTRA_CA_CERTS (the script re-runs itself with it set).
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {resolve as resolvePath} from 'node:path';
import {parseArgs} from 'node:util';

import {Openid4vpClient} from '@openid4vc/openid4vp';

import {collectErrors} from './cli.mjs';
import {
  dcqlClaimNames, decodeJwtParts, disclosedNames, hash, jwkSigner,
  loggingLoopbackFetch, sdJwtVc, signJwtWith, verifyJwt
} from './oid4vp-common.mjs';

const USAGE = 'node oid4vp-wallet.mjs <request.json> [--wrong-nonce] | ' +
  '--link URI --sd-jwt FILE --holder-jwk JSON|FILE [--ca-cert FILE] ' +
  '[--wrong-nonce]';
let values;
let positionals;
try {
  ({values, positionals} = parseArgs({
    args: process.argv.slice(2),
    options: {
      link: {type: 'string'},
      'sd-jwt': {type: 'string'},
      'holder-jwk': {type: 'string'},
      'ca-cert': {type: 'string'},
      'wrong-nonce': {type: 'boolean', default: false}
    },
    allowPositionals: true,
    strict: true
  }));
} catch(e) {
  process.stdout.write(JSON.stringify({
    ok: false, stage: 'usage', error: `${e.message} (usage: ${USAGE})`
  }) + '\n');
  process.exit(2);
}

const http = [];
function emit(result, code) {
  process.stdout.write(JSON.stringify({...result, http}) + '\n');
  process.exit(code);
}
const fail = (stage, e, extra = {}) => emit({
  ok: false, stage,
  error: typeof e === 'string' ? e : collectErrors(e).join('; '),
  ...extra
}, stage === 'usage' ? 2 : 1);

let request;
try {
  if(positionals.length > 1) {
    throw new Error('at most one request file');
  }
  if(positionals.length === 1) {
    request = JSON.parse(readFileSync(positionals[0], 'utf8'));
  } else {
    const jwkArg = values['holder-jwk'] ?? '';
    request = {
      link: values.link,
      sdJwt: values['sd-jwt'] && readFileSync(values['sd-jwt'], 'utf8').trim(),
      holderJwk: jwkArg && JSON.parse(jwkArg.trim().startsWith('{') ? jwkArg :
        readFileSync(jwkArg, 'utf8')),
      caCert: values['ca-cert']
    };
  }
  if(typeof request?.link !== 'string' || typeof request?.sdJwt !== 'string' ||
    typeof request?.holderJwk !== 'object' || request.holderJwk === null) {
    throw new Error('the request needs "link" and "sdJwt" (strings) and ' +
      '"holderJwk" (a private JWK)');
  }
} catch(e) {
  fail('usage', e);
}

// Trust the verifier's certificate: node reads NODE_EXTRA_CA_CERTS at start
// only, so re-run with it set.
if(request.caCert) {
  const ca = resolvePath(request.caCert);
  if(process.env.NODE_EXTRA_CA_CERTS !== ca) {
    const child = spawnSync(process.execPath, process.argv.slice(1), {
      env: {...process.env, NODE_EXTRA_CA_CERTS: ca},
      stdio: 'inherit'
    });
    process.exit(child.status ?? 1);
  }
}

const callbacks = {
  hash,
  verifyJwt,
  fetch: loggingLoopbackFetch(http),
  // not used (no JARM), but part of the client's callbacks
  signJwt: signJwtWith({alg: 'none'})
};
const client = new Openid4vpClient({callbacks});

// parse: the link's parameters
let parsed;
try {
  parsed = client.parseOpenid4vpAuthorizationRequest({
    authorizationRequest: request.link
  });
} catch(e) {
  fail('parse', e);
}

// resolve: fetch the request object, verify its signature and client id
let resolved;
try {
  resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params
  });
} catch(e) {
  fail('resolve', e);
}
const payload = resolved.authorizationRequestPayload;
const clientId = resolved.client.effective;

// select: the credential query our SD-JWT VC answers
let holder;
let query;
let vct;
try {
  if(resolved.client.prefix !== 'decentralized_identifier') {
    throw new Error(`client id prefix ${resolved.client.prefix} is not ` +
      'decentralized_identifier');
  }
  if(payload.response_mode !== 'direct_post') {
    throw new Error(`response_mode ${payload.response_mode} is not ` +
      'direct_post');
  }
  holder = jwkSigner(request.holderJwk);
  vct = decodeJwtParts(request.sdJwt.split('~')[0]).payload.vct;
  query = (resolved.dcql?.query?.credentials ?? []).find(q =>
    (q.format === 'dc+sd-jwt' || q.format === 'vc+sd-jwt') &&
    (q.meta?.vct_values ?? []).includes(vct));
  if(!query) {
    throw new Error(`no dc+sd-jwt credential query of vct ${vct} in ` +
      JSON.stringify(resolved.dcql?.query ?? null));
  }
} catch(e) {
  fail('select', e, {clientId});
}

// present: exactly the claims asked, with a key binding JWT
const names = dcqlClaimNames(query);
const nonce = values['wrong-nonce'] ?
  `not-the-verifiers-nonce-${Date.now()}` : payload.nonce;
let presentation;
try {
  const sdjwt = sdJwtVc({holder});
  presentation = await sdjwt.present(request.sdJwt,
    Object.fromEntries(names.map(n => [n, true])),
    {kb: {payload: {iat: Math.floor(Date.now() / 1000), aud: clientId,
      nonce}}});
} catch(e) {
  fail('present', e, {clientId});
}
const disclosed = disclosedNames(presentation);

// response + submit: direct_post of vp_token (and state)
let response;
try {
  response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: payload,
    authorizationResponsePayload: {vp_token: {[query.id]: [presentation]}}
  });
} catch(e) {
  fail('response', e, {clientId});
}
let submitted;
try {
  submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: payload,
    authorizationResponsePayload: response.authorizationResponsePayload
  });
} catch(e) {
  fail('submit', e, {clientId});
}
const status = submitted.response.status;
const text = await submitted.response.text();
let body;
try {
  body = JSON.parse(text);
} catch{
  body = text;
}
const ok = status >= 200 && status < 300;
emit({
  ok, status, body, disclosed, clientId, nonce, queryId: query.id,
  responseUri: payload.response_uri, presentation
}, ok ? 0 : 1);
