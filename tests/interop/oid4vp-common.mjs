// Shared pieces of the OpenID4VP peers (oid4vp-verifier.mjs,
// oid4vp-wallet.mjs): the callbacks @openid4vc/openid4vp needs (hash,
// generateRandom, signJwt, verifyJwt: those of oid4vci-common.mjs, node:crypto,
// EdDSA and ES256 only, did:key Ed25519 resolved locally) and the glue for
// @sd-jwt/sd-jwt-vc (a node:crypto signer / verifier for a JWK).
import {createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify} from
  'node:crypto';

import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest, generateSalt} from '@sd-jwt/crypto-nodejs';

export {
  createSigningKey, decodeJwtParts, generateRandom, hash, loggingLoopbackFetch,
  publicJwkOf, signJwtWith, verifyJwt
} from './oid4vci-common.mjs';

/** The audience of a request object for a wallet without metadata (OpenID4VP 1.0 §5.8). */
export const SELF_ISSUED_AUD = 'https://self-issued.me/v2';

/**
 * The JWT and SD-JWT VC claims that are not the credential's own: what is
 * left out when the disclosed claims are listed.
 */
export const REGISTERED_CLAIMS = new Set([
  'iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti', 'vct', 'vct#integrity',
  'cnf', 'status', '_sd', '_sd_alg'
]);

const isEc = jwk => jwk.kty === 'EC';

/**
 * A node:crypto verifier of a JWS signature (base64url) for a public JWK:
 * Ed25519 or P-256 (JOSE r||s).
 */
export function jwkVerifier(jwk) {
  if(!jwk || typeof jwk !== 'object') {
    throw new Error('no public JWK to verify with');
  }
  const {d, ...publicJwk} = jwk; // never use private material
  void d;
  const key = createPublicKey({key: publicJwk, format: 'jwk'});
  return (data, signature) => cryptoVerify(
    isEc(publicJwk) ? 'sha256' : null,
    Buffer.from(data),
    isEc(publicJwk) ? {key, dsaEncoding: 'ieee-p1363'} : key,
    Buffer.from(signature, 'base64url'));
}

/** A node:crypto signer (base64url signature) for a private JWK; its JWS alg. */
export function jwkSigner(jwk) {
  if(!jwk || typeof jwk !== 'object' || typeof jwk.d !== 'string') {
    throw new Error('the holder JWK must be a private JWK (with "d")');
  }
  const key = createPrivateKey({key: jwk, format: 'jwk'});
  const alg = isEc(jwk) ? 'ES256' : 'EdDSA';
  const signer = data => cryptoSign(
    isEc(jwk) ? 'sha256' : null,
    Buffer.from(data),
    isEc(jwk) ? {key, dsaEncoding: 'ieee-p1363'} : key).toString('base64url');
  return {alg, signer};
}

/**
 * An SDJwtVcInstance of @sd-jwt/sd-jwt-vc: issuer signatures checked with
 * `issuerJwk`, KB-JWTs with the credential's `cnf.jwk`, Token Status Lists
 * taken from `statusLists` (uri -> status list JWT; any other uri is refused:
 * offline), KB-JWTs signed with `holder` ({alg, signer}) when given.
 */
export function sdJwtVc({issuerJwk, statusLists = new Map(), holder} = {}) {
  return new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    verifier: issuerJwk ? jwkVerifier(issuerJwk) : undefined,
    kbVerifier: (data, signature, payload) =>
      jwkVerifier(payload?.cnf?.jwk)(data, signature),
    kbSigner: holder?.signer,
    kbSignAlg: holder?.alg,
    statusListFetcher: async uri => {
      const jwt = statusLists.get(uri);
      if(jwt === undefined) {
        throw new Error(`refusing to fetch the status list ${uri} (offline)`);
      }
      return jwt;
    },
    loadTypeMetadataFormat: false
  });
}

/** The claim names of a DCQL credential query (top-level path elements). */
export function dcqlClaimNames(credentialQuery) {
  return (credentialQuery?.claims ?? [])
    .map(c => c?.path?.[0])
    .filter(n => typeof n === 'string');
}

/** Decodes the disclosures of an SD-JWT (no verification): their claim names. */
export function disclosedNames(sdJwt) {
  const parts = String(sdJwt).split('~').slice(1);
  const names = [];
  for(const part of parts) {
    if(!part || part.split('.').length === 3) {
      continue; // the empty tail or the KB-JWT
    }
    try {
      const d = JSON.parse(Buffer.from(part, 'base64url').toString());
      if(Array.isArray(d) && d.length === 3 && typeof d[1] === 'string') {
        names.push(d[1]);
      }
    } catch{
      // not a disclosure: the verification says so
    }
  }
  return names;
}
