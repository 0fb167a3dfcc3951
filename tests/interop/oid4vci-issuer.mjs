// The JS OpenID4VCI issuer: an HTTPS credential issuer + authorization server
// for the pre-authorized code flow, built on @openid4vc/openid4vci's
// Openid4vciIssuer and @openid4vc/oauth2's Oauth2AuthorizationServer /
// Oauth2ResourceServer. Credentials are Data Integrity (eddsa-rdfc-2022)
// VCs signed with Digital Bazaar's stack, as sign.mjs does.
//
// usage:
//   node oid4vci-issuer.mjs --cert FILE --key FILE [--port N] [--seed-hex HEX]
//        [--credential FILE] [--context URL=FILE]... [--no-tx-code]
//        [--by-reference] [--verbose]
//
// On start it creates one pre-authorized offer (with a 6-digit tx_code unless
// --no-tx-code; by `credential_offer_uri` with --by-reference) and prints one
// JSON line on stdout:
//   {"url":"https://127.0.0.1:PORT","issuerDid":"did:key:…",
//    "offer":"openid-credential-offer://?…","txCode":"…",
//    "preAuthorizedCode":"…","configurationId":"BirthCertificate_ldp_vc"}
// then serves until it is killed or its stdin closes. Each line written to
// its stdin, a JSON object {"txCode":bool,"byReference":bool} (defaults true,
// false), makes one more offer, printed as one JSON line like the start line
// (without url/issuerDid).
//
// Endpoints (issuer identifier = authorization server = the URL):
//   GET  /.well-known/openid-credential-issuer  credential issuer metadata
//   GET  /.well-known/oauth-authorization-server authorization server metadata
//   GET  /jwks                                   the access token key
//   POST /token        pre-authorized_code grant (+ tx_code); codes are single
//                      use, 3 wrong tx_codes burn the code
//   POST /nonce        a fresh c_nonce (single use, 300 s)
//   POST /credential   credential_configuration_id + proofs.jwt (exactly one)
//   POST /offers       body {"txCode":bool,"byReference":bool}: a new offer,
//                      answered like the start line
//   GET  /offers/ID    an offer by reference (credential_offer_uri)
//
// The holder (credentialSubject.id) is the key of the proof: the DID of its
// `kid` (did:key Ed25519 only, did:key:z6Mk…#z6Mk…), or did:jwk of its `jwk`.
import {randomInt, randomUUID} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {createServer} from 'node:https';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {Openid4vciIssuer, Openid4vciVersion} from '@openid4vc/openid4vci';
import {
  Oauth2AuthorizationServer, Oauth2ResourceServer,
  Oauth2ResourceUnauthorizedError, Oauth2ServerErrorResponseError,
  clientAuthenticationAnonymous, preAuthorizedCodeGrantIdentifier
} from '@openid4vc/oauth2';

import {createDocumentLoader, keyPairFromSeed} from './loader.mjs';
import {
  InputError, collectErrors, parseCli, readContexts, readJson
} from './cli.mjs';
import {
  createSigningKey, decodeJwtParts, didJwkOf, generateRandom, hash,
  signJwtWith, verifyJwt, SUPPORTED_ALGS
} from './oid4vci-common.mjs';

export const CONFIGURATION_ID = 'BirthCertificate_ldp_vc';
const BIRTH_CONTEXT_URL = 'https://example.org/contexts/birth-certificate/v1';
const here = p => fileURLToPath(new URL(p, import.meta.url));

const NONCE_TTL_S = 300;
const CODE_TTL_S = 600;
const TOKEN_TTL_S = 300;
const MAX_TX_CODE_FAILURES = 3;
const IAT_SKEW_S = 300;
const MAX_BODY = 1 << 20;

const {values} = parseCli({
  usage: 'node oid4vci-issuer.mjs --cert FILE --key FILE [--port N] ' +
    '[--seed-hex HEX] [--credential FILE] [--context URL=FILE]... ' +
    '[--no-tx-code] [--by-reference] [--verbose]',
  positionals: 0,
  options: {
    cert: {type: 'string'},
    key: {type: 'string'},
    port: {type: 'string', default: '0'},
    'seed-hex': {type: 'string'},
    credential: {type: 'string'},
    'no-tx-code': {type: 'boolean', default: false},
    'by-reference': {type: 'boolean', default: false},
    verbose: {type: 'boolean', default: false}
  }
});

function inputError(msg) {
  process.stderr.write(`oid4vci-issuer.mjs: ${msg}\n`);
  process.exit(2);
}

const log = msg => process.stderr.write(`oid4vci-issuer.mjs: ${msg}\n`);

let tls;
let port;
let seed;
let template;
let documentLoader;
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
    new Uint8Array(generateRandom(32));
  template = readJson(
    values.credential ?? here('fixtures/birth-unsigned.json'));
  if(!template || typeof template !== 'object' || Array.isArray(template) ||
    !template.credentialSubject || typeof template.credentialSubject !==
    'object' || Array.isArray(template.credentialSubject)) {
    throw new InputError('the credential template must be a JSON object ' +
      'with one credentialSubject object');
  }
  delete template.proof;
  const contexts = new Map([
    [BIRTH_CONTEXT_URL, readJson(here('fixtures/birth-context.json'))],
    ...readContexts(values.context)
  ]);
  documentLoader = createDocumentLoader({extra: contexts});
} catch(e) {
  inputError(e.message);
}

const {did: issuerDid, keyPair} = await keyPairFromSeed(seed);
// the access token key (a JWT profile access token, RFC 9068)
const atKey = await createSigningKey('EdDSA');
const callbacks = {
  hash,
  generateRandom,
  signJwt: signJwtWith(atKey),
  verifyJwt,
  clientAuthentication: clientAuthenticationAnonymous()
};
const issuer = new Openid4vciIssuer({callbacks});
const authorizationServer = new Oauth2AuthorizationServer({callbacks});

/** Set once listening: the metadata depend on the port. */
let base;
let asMetadata;
let issuerMetadata;
let jwks;

const offers = new Map(); // pre-authorized code -> state
const offersById = new Map(); // offer id -> offer object (by reference)
const sessions = new Map(); // access token `sub` -> {configurationIds}
const nonces = new Map(); // c_nonce -> expiry (ms)

function buildMetadata() {
  const contexts = [template['@context']].flat()
    .filter(c => typeof c === 'string');
  const types = [template.type].flat().filter(t => typeof t === 'string');
  const credentialIssuer = issuer.createCredentialIssuerMetadata({
    credential_issuer: base,
    credential_endpoint: `${base}/credential`,
    nonce_endpoint: `${base}/nonce`,
    display: [{name: 'civitas JS interop issuer', locale: 'en'}],
    credential_configurations_supported: {
      [CONFIGURATION_ID]: {
        format: 'ldp_vc',
        credential_definition: {'@context': contexts, type: types},
        cryptographic_binding_methods_supported: ['did:key', 'did:jwk'],
        credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
        proof_types_supported: {
          jwt: {proof_signing_alg_values_supported: SUPPORTED_ALGS}
        },
        credential_metadata: {
          display: [
            {name: 'Birth certificate', locale: 'en'},
            {name: 'Acte de naissance', locale: 'fr'}
          ]
        }
      }
    }
  });
  asMetadata = authorizationServer.createAuthorizationServerMetadata({
    issuer: base,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    grant_types_supported: [preAuthorizedCodeGrantIdentifier],
    'pre-authorized_grant_anonymous_access_supported': true
  });
  issuerMetadata = {
    originalDraftVersion: Openid4vciVersion.V1,
    credentialIssuer,
    authorizationServers: [asMetadata],
    knownCredentialConfigurations:
      issuer.getKnownCredentialConfigurationsSupported(credentialIssuer)
  };
  jwks = {keys: [{...atKey.publicJwk, alg: 'EdDSA', use: 'sig'}]};
}

async function createOffer({txCode: withTxCode = true,
  byReference = false} = {}) {
  const code = Buffer.from(generateRandom(32)).toString('base64url');
  const txCode = withTxCode ? String(randomInt(0, 1e6)).padStart(6, '0') :
    undefined;
  const grant = {'pre-authorized_code': code};
  if(txCode !== undefined) {
    grant.tx_code = {
      input_mode: 'numeric', length: 6,
      description: 'The 6-digit code sent to you separately'
    };
  }
  const id = byReference ? randomUUID() : undefined;
  const {credentialOffer, credentialOfferObject} =
    await issuer.createCredentialOffer({
      issuerMetadata,
      credentialConfigurationIds: [CONFIGURATION_ID],
      grants: {[preAuthorizedCodeGrantIdentifier]: grant},
      credentialOfferUri: id ? `${base}/offers/${id}` : undefined
    });
  offers.set(code, {
    txCode, configurationIds: [CONFIGURATION_ID], used: false, failures: 0,
    expiresAt: new Date(Date.now() + CODE_TTL_S * 1000)
  });
  if(id) {
    offersById.set(id, credentialOfferObject);
  }
  return {
    offer: credentialOffer, txCode: txCode ?? null, preAuthorizedCode: code,
    configurationId: CONFIGURATION_ID
  };
}

// ---- HTTP plumbing ----------------------------------------------------------

class HttpError extends Error {
  constructor(status, error, description, headers = {}) {
    super(`${error}: ${description}`);
    this.status = status;
    this.body = {error, error_description: description};
    this.headers = headers;
  }
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
    ...headers
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

function requestLike(req) {
  const headers = new Headers();
  for(const [k, v] of Object.entries(req.headers)) {
    for(const value of [v].flat()) {
      headers.append(k, value);
    }
  }
  return {headers, method: req.method, url: `${base}${req.url}`};
}

function mediaType(req) {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim()
    .toLowerCase();
}

/** Library errors -> the OAuth error response they carry. */
function asHttpError(e, fallbackError, status = 400) {
  if(e instanceof HttpError) {
    return e;
  }
  if(e instanceof Oauth2ServerErrorResponseError) {
    const err = new HttpError(e.status ?? status, e.errorResponse.error,
      e.errorResponse.error_description ?? e.message);
    err.body = e.errorResponse;
    return err;
  }
  return new HttpError(status, fallbackError, collectErrors(e).join('; '));
}

// ---- endpoints --------------------------------------------------------------

async function token(req) {
  if(req.method !== 'POST') {
    throw new HttpError(405, 'invalid_request', 'POST only');
  }
  if(mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new HttpError(400, 'invalid_request',
      'the token request must be application/x-www-form-urlencoded');
  }
  const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
  const request = requestLike(req);
  let parsed;
  try {
    parsed = authorizationServer.parseAccessTokenRequest({
      request, accessTokenRequest: body
    });
  } catch(e) {
    throw asHttpError(e, 'invalid_request');
  }
  if(parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) {
    throw new HttpError(400, 'unsupported_grant_type',
      `grant type "${parsed.grant.grantType}" is not supported`);
  }
  const state = offers.get(parsed.grant.preAuthorizedCode);
  if(!state || state.used) {
    throw new HttpError(400, 'invalid_grant',
      'unknown or already used pre-authorized_code');
  }
  try {
    await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
      authorizationServerMetadata: asMetadata,
      grant: parsed.grant,
      accessTokenRequest: parsed.accessTokenRequest,
      request,
      expectedPreAuthorizedCode: parsed.grant.preAuthorizedCode,
      expectedTxCode: state.txCode,
      preAuthorizedCodeExpiresAt: state.expiresAt
    });
  } catch(e) {
    const err = asHttpError(e, 'invalid_grant');
    if(err.body.error === 'invalid_grant' && state.txCode !== undefined &&
      parsed.grant.txCode !== undefined) {
      state.failures += 1;
      if(state.failures >= MAX_TX_CODE_FAILURES) {
        state.used = true; // burnt
      }
    }
    throw err;
  }
  if(state.used) { // a concurrent exchange won
    throw new HttpError(400, 'invalid_grant',
      'pre-authorized_code already used');
  }
  state.used = true;
  const sub = randomUUID();
  sessions.set(sub, {configurationIds: state.configurationIds});
  return authorizationServer.createAccessTokenResponse({
    audience: base,
    authorizationServer: base,
    expiresInSeconds: TOKEN_TTL_S,
    subject: sub,
    signer: {method: 'jwk', publicJwk: atKey.publicJwk, alg: 'EdDSA'}
  });
}

function nonce(req) {
  if(req.method !== 'POST') {
    throw new HttpError(405, 'invalid_request', 'POST only');
  }
  const cNonce = Buffer.from(generateRandom(24)).toString('base64url');
  nonces.set(cNonce, Date.now() + NONCE_TTL_S * 1000);
  return issuer.createNonceResponse({cNonce, cNonceExpiresIn: NONCE_TTL_S});
}

async function credential(req) {
  if(req.method !== 'POST') {
    throw new HttpError(405, 'invalid_request', 'POST only');
  }
  const request = requestLike(req);
  let tokenPayload;
  try {
    ({tokenPayload} = await new Oauth2ResourceServer({
      callbacks: {...callbacks, fetch: localJwksFetch}
    }).verifyResourceRequest({
      request,
      resourceServer: base,
      authorizationServers: [asMetadata],
      allowedAuthenticationSchemes: ['Bearer']
    }));
  } catch(e) {
    // RFC 6750 3.1: no error code when the request had no token at all
    const challenge = req.headers.authorization ?
      'Bearer error="invalid_token"' : 'Bearer';
    const message = e instanceof Oauth2ResourceUnauthorizedError ?
      e.message : collectErrors(e).join('; ');
    throw new HttpError(401, 'invalid_token', message,
      {'WWW-Authenticate': challenge});
  }
  const session = sessions.get(tokenPayload.sub);
  if(!session) {
    throw new HttpError(401, 'invalid_token', 'unknown session');
  }
  if(mediaType(req) !== 'application/json') {
    throw new HttpError(400, 'invalid_credential_request',
      'the credential request must be application/json');
  }
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch(e) {
    throw new HttpError(400, 'invalid_credential_request',
      `not JSON: ${e.message}`);
  }
  if(!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_credential_request',
      'the credential request must be a JSON object');
  }
  if(body.proof !== undefined) {
    throw new HttpError(400, 'invalid_credential_request',
      'OpenID4VCI 1.0 takes `proofs`, not `proof`');
  }
  const requested = body.credential_configuration_id;
  if(typeof requested === 'string' && !Object.hasOwn(
    issuerMetadata.credentialIssuer.credential_configurations_supported,
    requested)) {
    throw new HttpError(400, 'unknown_credential_configuration',
      `unknown credential_configuration_id "${requested}"`);
  }
  let parsed;
  try {
    parsed = issuer.parseCredentialRequest({
      issuerMetadata, credentialRequest: body
    });
  } catch(e) {
    throw asHttpError(e, 'invalid_credential_request');
  }
  const configurationId = parsed.credentialConfigurationId;
  if(configurationId === undefined) {
    throw new HttpError(400, 'invalid_credential_request',
      'credential_configuration_id is required');
  }
  if(!session.configurationIds.includes(configurationId)) {
    throw new HttpError(400, 'unknown_credential_configuration',
      `"${configurationId}" was not offered to this access token`);
  }
  const jwts = parsed.proofs?.jwt;
  if(!Array.isArray(jwts) || jwts.length !== 1 ||
    Object.keys(body.proofs ?? {}).length !== 1) {
    throw new HttpError(400, 'invalid_proof',
      'exactly one `proofs.jwt` proof is required (batch size 1)');
  }
  const jwt = jwts[0];
  let claimedNonce;
  try {
    claimedNonce = decodeJwtParts(jwt).payload?.nonce;
  } catch{
    throw new HttpError(400, 'invalid_proof', 'the proof is not a JWT');
  }
  let verified;
  try {
    verified = await issuer.verifyCredentialRequestJwtProof({
      issuerMetadata, jwt, expectedNonce: claimedNonce
    });
  } catch(e) {
    throw new HttpError(400, 'invalid_proof',
      e.errorResponse?.error_description ?? collectErrors(e).join('; '));
  }
  const now = Date.now() / 1000;
  if(Math.abs(now - verified.payload.iat) > IAT_SKEW_S) {
    throw new HttpError(400, 'invalid_proof',
      `the proof's iat is more than ${IAT_SKEW_S} s away from now`);
  }
  const expires = typeof claimedNonce === 'string' ?
    nonces.get(claimedNonce) : undefined;
  if(expires === undefined || expires < Date.now()) {
    throw new HttpError(400, 'invalid_nonce',
      'the proof has no c_nonce from the nonce endpoint, or an expired or ' +
      'used one');
  }
  nonces.delete(claimedNonce); // single use (no await since the check)
  let holder;
  if(verified.signer.method === 'did') {
    holder = verified.signer.didUrl.split('#')[0];
  } else if(verified.signer.method === 'jwk') {
    holder = didJwkOf(verified.signer.publicJwk);
  } else {
    throw new HttpError(400, 'invalid_proof',
      'the proof key must be a did:key `kid` or a `jwk`');
  }
  const signed = await issueCredential(holder);
  return issuer.createCredentialResponse({
    credentialRequest: parsed, credentials: [{credential: signed}]
  });
}

async function issueCredential(holder) {
  const credential = structuredClone(template);
  credential.id = `urn:uuid:${randomUUID()}`;
  if(credential.issuer && typeof credential.issuer === 'object') {
    credential.issuer.id = issuerDid;
  } else {
    credential.issuer = issuerDid;
  }
  credential.credentialSubject.id = holder;
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: eddsaRdfc2022,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
  });
  return vc.issue({credential, suite, documentLoader});
}

/** The resource server's fetch: only our own JWKS, answered locally. */
async function localJwksFetch(input) {
  const url = typeof input === 'string' ? input : input.url ?? String(input);
  if(url === `${base}/jwks`) {
    return new Response(JSON.stringify(jwks),
      {headers: {'Content-Type': 'application/json'}});
  }
  throw new Error(`refusing to fetch ${url}`);
}

async function route(req) {
  const path = new URL(req.url, base).pathname;
  if(req.method === 'GET' && path === '/.well-known/openid-credential-issuer') {
    return issuerMetadata.credentialIssuer;
  }
  if(req.method === 'GET' &&
    path === '/.well-known/oauth-authorization-server') {
    return asMetadata;
  }
  if(req.method === 'GET' && path === '/jwks') {
    return jwks;
  }
  if(path === '/token') {
    return token(req);
  }
  if(path === '/nonce') {
    return nonce(req);
  }
  if(path === '/credential') {
    return credential(req);
  }
  if(req.method === 'POST' && path === '/offers') {
    const text = await readBody(req);
    let opts = {};
    try {
      opts = text.trim() ? JSON.parse(text) : {};
    } catch(e) {
      throw new HttpError(400, 'invalid_request', `not JSON: ${e.message}`);
    }
    return createOffer({
      txCode: opts.txCode !== false, byReference: opts.byReference === true
    });
  }
  if(req.method === 'GET' && path.startsWith('/offers/')) {
    const offer = offersById.get(path.slice('/offers/'.length));
    if(offer) {
      return offer;
    }
  }
  throw new HttpError(404, 'not_found', `${req.method} ${path}`);
}

const server = createServer(tls, (req, res) => {
  route(req).then(body => {
    if(values.verbose) {
      log(`${req.method} ${req.url} 200`);
    }
    send(res, 200, body);
  }, e => {
    const err = e instanceof HttpError ? e :
      new HttpError(500, 'server_error', collectErrors(e).join('; '));
    if(values.verbose || err.status >= 500) {
      log(`${req.method} ${req.url} ${err.status} ${err.message}`);
    }
    send(res, err.status, err.body, err.headers);
  });
});

const listening = new Promise(resolve => {
  server.listen(port, '127.0.0.1', async () => {
    base = `https://127.0.0.1:${server.address().port}`;
    buildMetadata();
    const first = await createOffer({
      txCode: !values['no-tx-code'], byReference: values['by-reference']
    });
    process.stdout.write(
      JSON.stringify({url: base, issuerDid, ...first}) + '\n');
    resolve();
  });
});
server.on('error', e => {
  log(`cannot serve: ${e.message}`);
  process.exit(1);
});

// stdin: one JSON object per line ({"txCode":bool,"byReference":bool}) makes
// a new offer, printed as one JSON line like the start line; serve until
// killed or the parent closes stdin
const commands = createInterface({input: process.stdin, terminal: false});
commands.on('line', line => {
  if(!line.trim()) {
    return;
  }
  let opts;
  try {
    opts = JSON.parse(line);
  } catch(e) {
    process.stdout.write(JSON.stringify({error: `not JSON: ${e.message}`}) +
      '\n');
    return;
  }
  listening.then(() => createOffer({
    txCode: opts?.txCode !== false, byReference: opts?.byReference === true
  })).then(offer => process.stdout.write(JSON.stringify(offer) + '\n'),
    e => process.stdout.write(JSON.stringify({error: e.message}) + '\n'));
});
commands.on('close', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
for(const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
