// Shared pieces of the OpenID4VCI peers (oid4vci-wallet.mjs,
// oid4vci-issuer.mjs): the callbacks @openid4vc/openid4vci and
// @openid4vc/oauth2 need (hash, generateRandom, signJwt, verifyJwt, fetch),
// implemented with node:crypto, and the holder key helpers (did:key Ed25519,
// did:jwk, P-256 JWK).
//
// JWT algorithms: EdDSA (Ed25519) and ES256 (P-256), nothing else.
import {
  createHash, createPrivateKey, createPublicKey, generateKeyPairSync,
  randomBytes, sign as cryptoSign, verify as cryptoVerify
} from 'node:crypto';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

import {didKeyDriver, keyPairFromSeed} from './loader.mjs';

export const SUPPORTED_ALGS = ['EdDSA', 'ES256'];

const b64u = data => Buffer.from(data).toString('base64url');
const fromB64uJson = s => JSON.parse(Buffer.from(s, 'base64url').toString());

/** The hash callback: sha-256 / sha-384 / sha-512. */
export function hash(data, alg) {
  const name = {
    'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512'
  }[alg];
  if(!name) {
    throw new Error(`unsupported hash algorithm "${alg}"`);
  }
  return new Uint8Array(createHash(name).update(data).digest());
}

/** The generateRandom callback. */
export function generateRandom(n) {
  return new Uint8Array(randomBytes(n));
}

/** The public members of a JWK (no `d`). */
export function publicJwkOf(jwk) {
  const {kty, crv, x, y} = jwk;
  return y === undefined ? {kty, crv, x} : {kty, crv, x, y};
}

/**
 * A signing key: {alg, privateKey (KeyObject), publicJwk}.
 *
 * @param {string} alg - EdDSA or ES256.
 * @param {Uint8Array} [seed] - 32 bytes: the Ed25519 seed (EdDSA only);
 *   random when absent.
 * @returns {Promise<object>} The key, with `did` and `kid` (did:key
 *   verification method) for EdDSA.
 */
export async function createSigningKey(alg, seed) {
  if(alg === 'EdDSA') {
    const secret = seed ?? new Uint8Array(randomBytes(32));
    const {did, keyPair} = await keyPairFromSeed(secret);
    const jwk = await Ed25519Multikey.toJwk({keyPair});
    return {
      alg,
      // the JWK `d` of Ed25519 is the 32-byte seed
      privateKey: createPrivateKey(
        {key: {...jwk, d: b64u(secret)}, format: 'jwk'}),
      publicJwk: publicJwkOf(jwk),
      did,
      kid: `${did}#${keyPair.publicKeyMultibase}`
    };
  }
  if(alg === 'ES256') {
    if(seed) {
      throw new Error('a seed is only supported for EdDSA (Ed25519) keys');
    }
    const {privateKey, publicKey} =
      generateKeyPairSync('ec', {namedCurve: 'P-256'});
    return {
      alg, privateKey, publicJwk: publicJwkOf(publicKey.export({format: 'jwk'}))
    };
  }
  throw new Error(`unsupported alg "${alg}" (EdDSA or ES256)`);
}

/** did:jwk of a public JWK (the JWK's members, base64url JSON). */
export function didJwkOf(jwk) {
  return `did:jwk:${b64u(JSON.stringify(publicJwkOf(jwk)))}`;
}

/**
 * The public JWK of a did:key Ed25519 verification method
 * `did:key:z6Mk…#z6Mk…` (the fragment must be the key itself).
 *
 * @param {string} kid - The DID URL.
 * @returns {Promise<object>} The JWK.
 */
export async function jwkFromDidKeyUrl(kid) {
  const m = /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)#(z6Mk[1-9A-HJ-NP-Za-km-z]+)$/
    .exec(kid);
  if(!m || m[1] !== m[2]) {
    throw new Error(`"${kid}" is not an Ed25519 did:key verification method ` +
      '(did:key:z6Mk…#z6Mk…, same key twice)');
  }
  const vm = await didKeyDriver.get({url: kid});
  const key = await Ed25519Multikey.from(vm);
  return publicJwkOf(await Ed25519Multikey.toJwk({keyPair: key}));
}

function keyMatchesAlg(jwk, alg) {
  return (alg === 'EdDSA' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') ||
    (alg === 'ES256' && jwk.kty === 'EC' && jwk.crv === 'P-256');
}

function rawSign(alg, privateKey, data) {
  return alg === 'EdDSA' ?
    cryptoSign(null, data, privateKey) :
    cryptoSign('sha256', data, {key: privateKey, dsaEncoding: 'ieee-p1363'});
}

function rawVerify(alg, publicKey, data, signature) {
  return alg === 'EdDSA' ?
    cryptoVerify(null, data, publicKey, signature) :
    cryptoVerify('sha256', data, {key: publicKey, dsaEncoding: 'ieee-p1363'},
      signature);
}

/**
 * A signJwt callback signing with `key` (whatever the signer says, the key
 * must be the one it names: checked by algorithm).
 */
export function signJwtWith(key) {
  return async (signer, {header, payload}) => {
    if(signer.alg !== key.alg) {
      throw new Error(`signer alg ${signer.alg} is not the key's ${key.alg}`);
    }
    return {
      jwt: compactJwt(key, header, payload),
      signerJwk: key.publicJwk
    };
  };
}

/** Signs a JWT: header and payload as given. */
export function compactJwt(key, header, payload) {
  const input = `${b64u(JSON.stringify(header))}.` +
    b64u(JSON.stringify(payload));
  const sig = rawSign(key.alg, key.privateKey, Buffer.from(input));
  return `${input}.${b64u(sig)}`;
}

/** Decodes a compact JWT (no verification). */
export function decodeJwtParts(jwt) {
  const [h, p] = String(jwt).split('.');
  return {header: fromB64uJson(h), payload: fromB64uJson(p)};
}

/**
 * The verifyJwt callback: the signer's key is its `jwk`, or an Ed25519
 * did:key verification method; EdDSA and ES256 only; the key type must fit
 * the alg.
 */
export async function verifyJwt(signer, {compact}) {
  let jwk;
  try {
    if(signer.method === 'jwk') {
      jwk = publicJwkOf(signer.publicJwk);
    } else if(signer.method === 'did') {
      jwk = await jwkFromDidKeyUrl(signer.didUrl);
    } else {
      return {verified: false};
    }
  } catch{
    return {verified: false};
  }
  if(!SUPPORTED_ALGS.includes(signer.alg) || !keyMatchesAlg(jwk, signer.alg)) {
    return {verified: false, signerJwk: jwk};
  }
  const parts = String(compact).split('.');
  if(parts.length !== 3) {
    return {verified: false, signerJwk: jwk};
  }
  let ok = false;
  try {
    ok = rawVerify(signer.alg, createPublicKey({key: jwk, format: 'jwk'}),
      Buffer.from(`${parts[0]}.${parts[1]}`),
      Buffer.from(parts[2], 'base64url'));
  } catch{
    ok = false;
  }
  return ok ? {verified: true, signerJwk: jwk} :
    {verified: false, signerJwk: jwk};
}

/** Hosts the peers may talk to: loopback only. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A fetch that only reaches loopback hosts and records every exchange
 * (method, url, request body, status, content type, response body) in
 * `log`.
 *
 * @param {object[]} log - Receives the exchanges.
 * @returns {Function} The fetch.
 */
export function loggingLoopbackFetch(log) {
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    const method = init.method ?? 'GET';
    const entry = {method, url: url.href};
    if(init.body !== undefined && init.body !== null) {
      entry.requestBody = String(init.body);
    }
    const auth = init.headers && new Headers(init.headers).get('authorization');
    if(auth) {
      entry.authorization = auth;
    }
    log.push(entry);
    if(!LOOPBACK.has(url.hostname)) {
      entry.error = 'refused: the interop peer only talks to 127.0.0.1';
      throw new Error(`${entry.error} (${url.href})`);
    }
    const response = await fetch(url, init);
    entry.status = response.status;
    entry.contentType = response.headers.get('content-type');
    const text = await response.clone().text();
    try {
      entry.responseBody = JSON.parse(text);
    } catch{
      entry.responseBody = text;
    }
    return response;
  };
}
