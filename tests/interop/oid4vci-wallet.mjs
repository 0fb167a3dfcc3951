// The JS OpenID4VCI wallet: receives a credential through the pre-authorized
// code flow with @openid4vc/openid4vci's Openid4vciClient.
//
// usage:
//   node oid4vci-wallet.mjs --offer URI [--tx-code CODE] [--alg EdDSA|ES256]
//        [--configuration ID] [--holder-seed-hex HEX]
//        [--tamper wrong-tx-code|no-tx-code|wrong-nonce|wrong-aud]
//
// Steps (each a `stage` in the result): offer (resolve credential_offer or
// fetch credential_offer_uri), metadata (/.well-known/openid-credential-issuer
// and the authorization server's /.well-known/oauth-authorization-server),
// token (pre-authorized code + tx_code), nonce (nonce endpoint), proof (a
// `openid4vci-proof+jwt`: `kid` = did:key:z6Mk…#z6Mk… for EdDSA, `jwk` for
// ES256), credential (credential request with `credential_configuration_id`
// and `proofs.jwt`).
//
// Prints one JSON line:
//   {"ok":true,"holder":"did:key:…","configurationId":"…","credentials":[…],
//    "tokenResponse":{…},"raw":{…},"version":"V1","http":[…]}
//   {"ok":false,"stage":"token","error":"…","errorCode":"invalid_grant",
//    "httpStatus":400,"body":{…},"http":[…]}
// `raw` is the credential response body; `http` every HTTP exchange. Exit 0
// received, 1 a refusal or failure at some stage, 2 usage error.
//
// Network: loopback only (127.0.0.1). For HTTPS with a self-signed
// certificate pass its CA with NODE_EXTRA_CA_CERTS.
import {writeSync} from 'node:fs';
import {parseArgs} from 'node:util';

import {
  Openid4vciClient, Openid4vciVersion
} from '@openid4vc/openid4vci';
import {
  clientAuthenticationAnonymous, preAuthorizedCodeGrantIdentifier
} from '@openid4vc/oauth2';

import {
  compactJwt, createSigningKey, decodeJwtParts, didJwkOf, generateRandom,
  hash, loggingLoopbackFetch, signJwtWith, SUPPORTED_ALGS
} from './oid4vci-common.mjs';

const USAGE = 'node oid4vci-wallet.mjs --offer URI [--tx-code CODE] ' +
  '[--alg EdDSA|ES256] [--configuration ID] [--holder-seed-hex HEX] ' +
  '[--tamper wrong-tx-code|no-tx-code|wrong-nonce|wrong-aud]';
const TAMPERS = ['wrong-tx-code', 'no-tx-code', 'wrong-nonce', 'wrong-aud'];

function usage(msg) {
  writeSync(2, `oid4vci-wallet.mjs: ${msg}\nusage: ${USAGE}\n`);
  writeSync(1, JSON.stringify({ok: false, stage: 'usage', error: msg}) + '\n');
  process.exit(2);
}

function emit(obj, code) {
  process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(code));
}

let values;
try {
  ({values} = parseArgs({
    args: process.argv.slice(2),
    options: {
      offer: {type: 'string'},
      'tx-code': {type: 'string'},
      alg: {type: 'string', default: 'EdDSA'},
      configuration: {type: 'string'},
      'holder-seed-hex': {type: 'string'},
      tamper: {type: 'string'}
    },
    strict: true
  }));
} catch(e) {
  usage(e.message);
}

/** A digit changed (or 'x' appended): a transaction code that is wrong. */
function wrongTxCode(code) {
  if(!code) {
    return '000000';
  }
  const last = code.at(-1);
  const changed = /[0-9]/.test(last) ? String((Number(last) + 1) % 10) :
    (last === 'x' ? 'y' : 'x');
  return code.slice(0, -1) + changed;
}

/** What went wrong, from the error and the last HTTP exchange. */
function failure(stage, e, http) {
  const out = {ok: false, stage, error: `${e?.name ?? 'Error'}: ` +
    `${e?.message ?? String(e)}`};
  const causes = [];
  for(let c = e?.cause; c && causes.length < 5; c = c.cause) {
    causes.push(`${c.name ?? 'Error'}: ${c.message ?? String(c)}`);
  }
  if(causes.length > 0) {
    out.causes = causes;
  }
  const last = http.at(-1);
  if(last && last.status !== undefined && last.status >= 400) {
    out.httpStatus = last.status;
    out.body = last.responseBody;
    if(typeof last.responseBody === 'object' && last.responseBody?.error) {
      out.errorCode = last.responseBody.error;
      if(last.responseBody.error_description !== undefined) {
        out.errorDescription = last.responseBody.error_description;
      }
    }
  }
  if(e?.errorResponse?.error && !out.errorCode) {
    out.errorCode = e.errorResponse.error;
  }
  out.http = http;
  return out;
}

async function main() {
  const offerUri = values.offer;
  if(typeof offerUri !== 'string' || offerUri === '') {
    return usage('--offer is required');
  }
  if(!SUPPORTED_ALGS.includes(values.alg)) {
    return usage(`--alg must be one of ${SUPPORTED_ALGS.join(', ')}`);
  }
  if(values.tamper !== undefined && !TAMPERS.includes(values.tamper)) {
    return usage(`--tamper must be one of ${TAMPERS.join(', ')}`);
  }
  let seed;
  if(values['holder-seed-hex'] !== undefined) {
    if(!/^[0-9a-fA-F]{64}$/.test(values['holder-seed-hex']) ||
      values.alg !== 'EdDSA') {
      return usage('--holder-seed-hex needs 64 hex digits and --alg EdDSA');
    }
    seed = Uint8Array.from(Buffer.from(values['holder-seed-hex'], 'hex'));
  }
  const tamper = values.tamper;

  const http = [];
  const key = await createSigningKey(values.alg, seed);
  // EdDSA: did:key, referenced by `kid`; ES256: the key itself in `jwk`
  const holder = key.did ?? didJwkOf(key.publicJwk);
  const signer = key.kid ?
    {method: 'did', didUrl: key.kid, alg: key.alg} :
    {method: 'jwk', publicJwk: key.publicJwk, alg: key.alg};
  const client = new Openid4vciClient({
    callbacks: {
      fetch: loggingLoopbackFetch(http),
      hash,
      generateRandom,
      signJwt: signJwtWith(key),
      clientAuthentication: clientAuthenticationAnonymous()
    }
  });

  let stage = 'offer';
  const result = {holder};
  try {
    const offer = await client.resolveCredentialOffer(offerUri);
    result.offer = offer;

    stage = 'metadata';
    const issuerMetadata =
      await client.resolveIssuerMetadata(offer.credential_issuer);
    result.version = issuerMetadata.originalDraftVersion;
    result.issuerMetadata = issuerMetadata.credentialIssuer;
    result.authorizationServerMetadata = issuerMetadata.authorizationServers;
    const configurationId =
      values.configuration ?? offer.credential_configuration_ids[0];
    result.configurationId = configurationId;
    if(!offer.credential_configuration_ids.includes(configurationId)) {
      throw new Error(`configuration "${configurationId}" is not offered ` +
        `(${offer.credential_configuration_ids.join(', ')})`);
    }
    if(issuerMetadata.originalDraftVersion !== Openid4vciVersion.V1) {
      // the library guesses the draft from the metadata (1.0: some
      // configuration has `credential_metadata`); this peer speaks 1.0
      result.versionNote = 'the library took the metadata for ' +
        `${issuerMetadata.originalDraftVersion}; requests use 1.0 anyway`;
      issuerMetadata.originalDraftVersion = Openid4vciVersion.V1;
    }

    stage = 'token';
    let txCode = values['tx-code'];
    if(tamper === 'wrong-tx-code') {
      txCode = wrongTxCode(txCode);
    }
    let credentialOffer = offer;
    if(tamper === 'no-tx-code') {
      // the library refuses to send no tx_code for an offer that asks for
      // one: give it the offer without the tx_code object
      credentialOffer = structuredClone(offer);
      delete credentialOffer.grants?.[preAuthorizedCodeGrantIdentifier]
        ?.tx_code;
      txCode = undefined;
    }
    const {accessTokenResponse} =
      await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer, issuerMetadata, txCode
      });
    result.tokenResponse = accessTokenResponse;

    stage = 'nonce';
    let nonce;
    if(issuerMetadata.credentialIssuer.nonce_endpoint) {
      ({c_nonce: nonce} = await client.requestNonce({issuerMetadata}));
    } else {
      nonce = accessTokenResponse.c_nonce; // pre-1.0 issuers
    }
    result.nonce = nonce ?? null;

    stage = 'proof';
    let jwt;
    if(tamper === 'wrong-nonce' || tamper === 'wrong-aud') {
      // the same proof the library makes, with one claim changed
      ({jwt} = await client.createCredentialRequestJwtProof({
        issuerMetadata, credentialConfigurationId: configurationId, signer,
        nonce
      }));
      const {header, payload} = decodeJwtParts(jwt);
      if(tamper === 'wrong-nonce') {
        payload.nonce = Buffer.from(generateRandom(16)).toString('base64url');
      } else {
        payload.aud = 'https://attacker.example';
      }
      jwt = compactJwt(key, header, payload);
    } else {
      ({jwt} = await client.createCredentialRequestJwtProof({
        issuerMetadata, credentialConfigurationId: configurationId, signer,
        nonce
      }));
    }
    result.proof = decodeJwtParts(jwt);

    stage = 'credential';
    const response = await client.retrieveCredentials({
      issuerMetadata,
      credentialConfigurationId: configurationId,
      proofs: {jwt: [jwt]},
      accessToken: accessTokenResponse.access_token
    });
    const body = response.credentialResponse;
    const credentials = (body.credentials ?? [body.credential])
      .filter(c => c !== undefined)
      .map(c => (c && typeof c === 'object' && 'credential' in c) ?
        c.credential : c);
    emit({
      ok: true, ...result, credentials, raw: body, http
    }, 0);
  } catch(e) {
    emit({...result, ...failure(stage, e, http)}, 1);
  }
}

main().catch(e => {
  // a bug of this script, not a protocol refusal
  process.stderr.write(`oid4vci-wallet.mjs: ${e?.stack ?? e}\n`);
  emit({ok: false, stage: 'internal', error: String(e?.message ?? e)}, 1);
});
