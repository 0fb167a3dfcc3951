// The JS OpenID4VP 1.0 verifier (relying party): an HTTPS server on
// 127.0.0.1 built on @openid4vc/openid4vp's Openid4vpVerifier, asking for an
// SD-JWT VC (dc+sd-jwt) with a DCQL query in a signed request object (JAR)
// passed by reference, answered by `direct_post`; the presentation is
// verified with @sd-jwt/sd-jwt-vc (issuer key given, KB-JWT required).
//
// usage:
//   node oid4vp-verifier.mjs --cert FILE --key FILE --issuer-jwk JSON|FILE
//        [--port N] [--seed-hex HEX] [--vct URN] [--claims a,b,c]
//        [--status-list URI=FILE]... [--wrong-signer] [--verbose]
//
// Its client_id is `decentralized_identifier:<did:key of --seed-hex>`
// (default: a random seed); the request object is signed by that did:key
// (`typ: oauth-authz-req+jwt`, `kid` = its verification method), or with
// --wrong-signer by the key of ANOTHER did:key (a request every wallet must
// refuse). On start it prints one JSON line:
//   {"url","clientId","did","kid","signerKid","link","requestUri",
//    "responseUri","nonce","state","dcqlQuery"}
// `link` is `openid4vp://?client_id=…&request_uri=…`.
//
// Endpoints:
//   GET  /request/ID    the request object (application/oauth-authz-req+jwt)
//   POST /response/ID   the authorization response (direct_post form)
//
// The response is checked with the library (state, vp_token against the DCQL
// query), then the one presentation with @sd-jwt/sd-jwt-vc: issuer signature
// (--issuer-jwk), disclosures, validity, the Token Status List when the
// credential has a `status` (only from --status-list: offline), `typ`
// dc+sd-jwt, `vct` asked, the claims asked, and a KB-JWT signed by `cnf.jwk`
// with the request's nonce, `aud` = the client_id and `iat` within 300 s.
// Answers 200 `{}`, or 400 `{"error":"invalid_request",…}`; a wrong `state`
// is refused without ending the request. After the (first) answer it prints:
//   {"verified":bool,"claims":{…}|null,"disclosed":[…],"errors":[…],…}
// (`disclosed`: the credential's own claims received, registered JWT/SD-JWT
// VC claims left out). A form with `error` (the holder declined) is answered
// 200 and printed as not verified with `walletError`.
//
// stdin: a line {"cmd":"status"} prints
//   {"requestFetches":N,"responsePosts":N}
// It serves until killed or its stdin closes.
import {readFileSync} from 'node:fs';
import {createServer} from 'node:https';
import {createInterface} from 'node:readline';

import {Openid4vpVerifier, getOpenid4vpClientId} from '@openid4vc/openid4vp';

import {InputError, collectErrors, parseCli} from './cli.mjs';
import {
  REGISTERED_CLAIMS, SELF_ISSUED_AUD, createSigningKey, dcqlClaimNames,
  disclosedNames, generateRandom, hash, sdJwtVc, signJwtWith, verifyJwt
} from './oid4vp-common.mjs';

const QUERY_ID = 'document';
const REQUEST_LIFETIME_S = 600;
const KB_IAT_SKEW_S = 300;
const MAX_BODY = 1 << 20;

const {values} = parseCli({
  usage: 'node oid4vp-verifier.mjs --cert FILE --key FILE ' +
    '--issuer-jwk JSON|FILE [--port N] [--seed-hex HEX] [--vct URN] ' +
    '[--claims a,b,c] [--status-list URI=FILE]... [--wrong-signer] ' +
    '[--verbose]',
  positionals: 0,
  options: {
    cert: {type: 'string'},
    key: {type: 'string'},
    port: {type: 'string', default: '0'},
    'seed-hex': {type: 'string'},
    'issuer-jwk': {type: 'string'},
    vct: {type: 'string', default: 'urn:civitas:type:BirthCertificate'},
    claims: {type: 'string', default: 'givenName,familyName,birthDate'},
    'status-list': {type: 'string', multiple: true, default: []},
    'wrong-signer': {type: 'boolean', default: false},
    verbose: {type: 'boolean', default: false}
  }
});

const log = msg => process.stderr.write(`oid4vp-verifier.mjs: ${msg}\n`);
const b64u = bytes => Buffer.from(bytes).toString('base64url');

let tls;
let port;
let seed;
let issuerJwk;
let claimNames;
const statusLists = new Map();
try {
  if(!values.cert || !values.key) {
    throw new InputError('--cert and --key (PEM files) are required');
  }
  tls = {cert: readFileSync(values.cert), key: readFileSync(values.key)};
  port = Number(values.port);
  if(!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError('--port must be 0..65535');
  }
  if(values['seed-hex'] !== undefined &&
    !/^[0-9a-fA-F]{64}$/.test(values['seed-hex'])) {
    throw new InputError('--seed-hex must be 64 hex digits (32 bytes)');
  }
  seed = values['seed-hex'] !== undefined ?
    Uint8Array.from(Buffer.from(values['seed-hex'], 'hex')) :
    generateRandom(32);
  const jwkArg = values['issuer-jwk'];
  if(!jwkArg) {
    throw new InputError('--issuer-jwk (a public JWK, JSON or a file) is ' +
      'required');
  }
  issuerJwk = JSON.parse(jwkArg.trim().startsWith('{') ? jwkArg :
    readFileSync(jwkArg, 'utf8'));
  claimNames = values.claims.split(',').map(c => c.trim()).filter(Boolean);
  for(const arg of values['status-list']) {
    const eq = arg.lastIndexOf('=');
    if(eq <= 0) {
      throw new InputError(`--status-list needs URI=FILE, got "${arg}"`);
    }
    statusLists.set(arg.slice(0, eq),
      readFileSync(arg.slice(eq + 1), 'utf8').trim());
  }
} catch(e) {
  log(e.message);
  process.exit(2);
}

// Who we are: a did:key; with --wrong-signer the request object is signed by
// another did:key's key (kid of that other DID), the client_id unchanged.
const key = await createSigningKey('EdDSA', seed);
const signingKey = values['wrong-signer'] ?
  await createSigningKey('EdDSA') : key;
const clientId = `decentralized_identifier:${key.did}`;
const callbacks = {
  hash, generateRandom, verifyJwt, signJwt: signJwtWith(signingKey)
};
const verifier = new Openid4vpVerifier({callbacks});

const dcqlQuery = {
  credentials: [{
    id: QUERY_ID,
    format: 'dc+sd-jwt',
    meta: {vct_values: [values.vct]},
    claims: claimNames.map(name => ({path: [name]}))
  }]
};

let base;
const requests = new Map(); // id -> state
let requestFetches = 0;
let responsePosts = 0;

async function createRequest() {
  const id = b64u(generateRandom(12));
  const requestUri = `${base}/request/${id}`;
  const responseUri = `${base}/response/${id}`;
  const nonce = b64u(generateRandom(32));
  const state = b64u(generateRandom(16));
  const created = await verifier.createOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: {
      response_type: 'vp_token',
      client_id: clientId,
      response_mode: 'direct_post',
      response_uri: responseUri,
      nonce,
      state,
      dcql_query: dcqlQuery,
      client_metadata: {
        client_name: 'JS interop verifier (@openid4vc/openid4vp)',
        vp_formats_supported: {
          'dc+sd-jwt': {
            'sd-jwt_alg_values': ['EdDSA', 'ES256'],
            'kb-jwt_alg_values': ['EdDSA', 'ES256']
          }
        }
      }
    },
    jar: {
      requestUri,
      jwtSigner: {method: 'did', didUrl: signingKey.kid, alg: 'EdDSA'},
      expiresInSeconds: REQUEST_LIFETIME_S,
      // the library's default `aud` is the request_uri; OpenID4VP 1.0 §5.8:
      // without wallet metadata it is https://self-issued.me/v2
      additionalJwtPayload: {aud: SELF_ISSUED_AUD}
    }
  });
  requests.set(id, {
    payload: created.authorizationRequestPayload,
    jwt: created.jar.authorizationRequestJwt,
    done: false
  });
  return {
    url: base, clientId, did: key.did, kid: key.kid, signerKid: signingKey.kid,
    link: created.authorizationRequest, requestUri, responseUri, nonce, state,
    dcqlQuery
  };
}

class HttpError extends Error {
  constructor(status, error, description) {
    super(`${error}: ${description}`);
    this.status = status;
    this.body = {error, error_description: description};
  }
}

function send(res, status, body, contentType = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text)
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', c => {
      size += c.length;
      if(size > MAX_BODY) {
        reject(new HttpError(413, 'invalid_request', 'body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const emit = obj => process.stdout.write(JSON.stringify(obj) + '\n');

/** Verifies a direct_post answer; returns the result line. */
async function check(request, form) {
  const errors = [];
  const result = {
    verified: false, claims: null, disclosed: [], errors, queryId: null
  };
  const payload = request.payload;
  const parsed = await verifier.parseOpenid4vpAuthorizationResponse({
    authorizationResponse: form,
    authorizationRequestPayload: payload,
    callbacks
  });
  if(parsed.type !== 'dcql') {
    errors.push(`the response answers a ${parsed.type} request, not DCQL`);
    return result;
  }
  const presentations = parsed.dcql.presentations;
  const ids = Object.keys(presentations);
  if(ids.length !== 1 || ids[0] !== QUERY_ID) {
    errors.push(`vp_token must answer exactly the query "${QUERY_ID}", ` +
      `it answers ${JSON.stringify(ids)}`);
    return result;
  }
  result.queryId = QUERY_ID;
  const list = presentations[QUERY_ID];
  if(list.length !== 1 || typeof list[0] !== 'string') {
    errors.push('exactly one SD-JWT presentation (a string) is expected');
    return result;
  }
  const presentation = list[0];
  result.disclosures = disclosedNames(presentation);
  // the effective client id, as the library derives it: what `aud` must be
  const {effectiveClientId} = getOpenid4vpClientId({
    clientId: payload.client_id, responseMode: payload.response_mode
  });
  const sdjwt = sdJwtVc({issuerJwk, statusLists});
  let verified;
  try {
    verified = await sdjwt.verify(presentation, {
      keyBindingNonce: parsed.expectedNonce,
      requiredClaimKeys: claimNames
    });
  } catch(e) {
    errors.push(...collectErrors(e));
    return result;
  }
  const typ = verified.header?.typ;
  if(typ !== 'dc+sd-jwt') {
    errors.push(`header typ is ${JSON.stringify(typ)}, not dc+sd-jwt`);
  }
  if(verified.payload.vct !== values.vct) {
    errors.push(`vct is ${JSON.stringify(verified.payload.vct)}, ` +
      `not ${values.vct}`);
  }
  for(const name of dcqlClaimNames(dcqlQuery.credentials[0])) {
    if(!(name in verified.payload)) {
      errors.push(`the claim "${name}" asked for is not disclosed`);
    }
  }
  const kb = verified.kb?.payload;
  if(!kb) {
    errors.push('no key binding JWT');
  } else {
    if(kb.aud !== effectiveClientId) {
      errors.push(`KB-JWT aud is ${JSON.stringify(kb.aud)}, expected ` +
        `${JSON.stringify(effectiveClientId)}`);
    }
    if(typeof kb.iat !== 'number' ||
      Math.abs(Date.now() / 1000 - kb.iat) > KB_IAT_SKEW_S) {
      errors.push(`KB-JWT iat ${kb.iat} is not within ${KB_IAT_SKEW_S} s ` +
        'of now');
    }
  }
  result.header = verified.header;
  result.kb = kb ?? null;
  if(errors.length === 0) {
    result.verified = true;
    result.claims = verified.payload;
    result.disclosed = Object.keys(verified.payload)
      .filter(k => !REGISTERED_CLAIMS.has(k)).sort();
  }
  return result;
}

async function respond(req, id) {
  responsePosts += 1;
  const request = requests.get(id);
  if(!request) {
    throw new HttpError(404, 'invalid_request', 'unknown request');
  }
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim()
    .toLowerCase();
  if(type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(400, 'invalid_request',
      'the response must be application/x-www-form-urlencoded');
  }
  const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
  if(request.done) {
    throw new HttpError(400, 'invalid_request', 'answered already');
  }
  if(form.state !== request.payload.state) {
    // not the wallet's answer: the request stays open
    throw new HttpError(400, 'invalid_request', 'state mismatch');
  }
  request.done = true;
  if(typeof form.error === 'string') {
    emit({
      verified: false, claims: null, disclosed: [], walletError: form.error,
      errors: [`the wallet answered ${form.error}: ` +
        `${form.error_description ?? ''}`]
    });
    return {};
  }
  let result;
  try {
    result = await check(request, form);
  } catch(e) {
    result = {
      verified: false, claims: null, disclosed: [], errors: collectErrors(e)
    };
  }
  emit(result);
  if(!result.verified) {
    throw new HttpError(400, 'invalid_request', result.errors.join('; '));
  }
  return {};
}

async function route(req, res) {
  const path = new URL(req.url, base).pathname;
  const m = /^\/(request|response)\/([A-Za-z0-9_-]+)$/.exec(path);
  if(m && m[1] === 'request' && req.method === 'GET') {
    requestFetches += 1;
    const request = requests.get(m[2]);
    if(!request || request.done) {
      throw new HttpError(404, 'invalid_request', 'unknown request');
    }
    send(res, 200, request.jwt, 'application/oauth-authz-req+jwt');
    return;
  }
  if(m && m[1] === 'response' && req.method === 'POST') {
    send(res, 200, await respond(req, m[2]));
    return;
  }
  throw new HttpError(404, 'not_found', `${req.method} ${path}`);
}

const server = createServer(tls, (req, res) => {
  route(req, res).then(() => {
    if(values.verbose) {
      log(`${req.method} ${req.url} 200`);
    }
  }, e => {
    const err = e instanceof HttpError ? e :
      new HttpError(500, 'server_error', collectErrors(e).join('; '));
    if(values.verbose || err.status >= 500) {
      log(`${req.method} ${req.url} ${err.status} ${err.message}`);
    }
    send(res, err.status, err.body);
  });
});

const listening = new Promise(resolve => {
  server.listen(port, '127.0.0.1', async () => {
    base = `https://127.0.0.1:${server.address().port}`;
    try {
      emit(await createRequest());
    } catch(e) {
      log(`cannot create the request: ${collectErrors(e).join('; ')}`);
      process.exit(1);
    }
    resolve();
  });
});
server.on('error', e => {
  log(`cannot serve: ${e.message}`);
  process.exit(1);
});

const commands = createInterface({input: process.stdin, terminal: false});
commands.on('line', line => {
  if(!line.trim()) {
    return;
  }
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch(e) {
    emit({error: `not JSON: ${e.message}`});
    return;
  }
  listening.then(() => {
    if(cmd?.cmd === 'status') {
      emit({requestFetches, responsePosts});
    } else {
      emit({error: `unknown command ${JSON.stringify(cmd)}`});
    }
  });
});
commands.on('close', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
for(const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
