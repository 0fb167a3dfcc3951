// Static, offline JSON-LD document loader for the civitas interop harness.
//
// It never touches the network. It serves:
//   - the contexts bundled in the npm context packages: VC 1.1 + 2.0 (+ the
//     VC 2.0 undefined-terms context), data-integrity v1/v2, multikey v1,
//     Bitstring Status List v1;
//   - did:key (Ed25519, `did:key:z6Mk…`) DIDs and DID URLs (verification
//     methods), resolved locally by @digitalbazaar/did-method-key;
//   - extra documents given by the caller (`--context URL=FILE`, status list
//     credentials served under their own `id`).
// Any other URL is an error.
import {isDeepStrictEqual} from 'node:util';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as vcContexts} from '@digitalbazaar/credentials-context';
import {contexts as bslContexts} from
  '@digitalbazaar/vc-bitstring-status-list-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';

export const VC_V1_CONTEXT_URL = 'https://www.w3.org/2018/credentials/v1';
export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2';

// did:key driver: only Ed25519 public keys (z6Mk…) resolve, to Multikey VMs.
export const didKeyDriver = didKeyDriverFactory();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519Multikey.from
});

/** URL -> context document, from the npm context packages. */
export const BUNDLED = new Map([
  ...vcContexts, // VC 1.1, VC 2.0, undefined-terms v2
  ...bslContexts, // https://www.w3.org/ns/credentials/status/v1
  ...dataIntegrityContext.contexts, // data-integrity v1, v2
  ...multikeyContext.contexts // multikey v1
]);

/**
 * Builds a static document loader.
 *
 * @param {object} [options] - Options.
 * @param {Map<string, object>} [options.extra] - Extra URL -> document
 *   entries (caller contexts, status list credentials). An extra entry may
 *   not replace a bundled context with different content.
 * @returns {Function} The async documentLoader(url) for jsonld.js.
 */
export function createDocumentLoader({extra = new Map()} = {}) {
  const docs = new Map(BUNDLED);
  for(const [url, doc] of extra) {
    const bundled = BUNDLED.get(url);
    if(bundled !== undefined && !isDeepStrictEqual(bundled, doc)) {
      throw new Error(
        `"${url}" is a bundled context; the document given for it differs ` +
        'from the bundled copy.');
    }
    docs.set(url, doc);
  }

  return async function documentLoader(url) {
    const document = docs.get(url);
    if(document !== undefined) {
      return {contextUrl: null, documentUrl: url, document};
    }
    if(url.startsWith('did:key:')) {
      // the DID (-> DID document) or a DID URL with a fragment (-> the
      // verification method, with its own @context)
      const document = await didKeyDriver.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(`Static document loader: refusing to load "${url}".`);
  };
}

/**
 * The Ed25519 Multikey key pair for a 32-byte seed, with its did:key as
 * controller and `did#fingerprint` as id.
 *
 * @param {Uint8Array} seed - 32 bytes.
 * @returns {Promise<{did: string, keyPair: object}>} The DID and key pair.
 */
export async function keyPairFromSeed(seed) {
  if(seed.length !== 32) {
    throw new Error(`the seed must be 32 bytes, got ${seed.length}`);
  }
  const tmp = await Ed25519Multikey.generate({seed});
  const did = `did:key:${tmp.publicKeyMultibase}`;
  const keyPair = await Ed25519Multikey.generate({seed, controller: did});
  return {did, keyPair};
}
