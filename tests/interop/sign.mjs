// Signs a credential with a Data Integrity proof (DataIntegrityProof /
// eddsa-rdfc-2022) using the Ed25519 key derived from a 32-byte seed, with
// Digital Bazaar's JS stack, fully offline (see loader.mjs).
//
// usage:
//   node sign.mjs <unsigned.json | -> --seed-hex HEX --created ISO
//                 [--context URL=FILE]...
//
// The verification method is the seed's did:key (did:key:z6Mk…#z6Mk…). If
// the credential's `issuer` (or `issuer.id`) is the placeholder string
// "$DID", it is replaced by that did:key. Prints the signed credential (JSON)
// on stdout. Exit code: 0 signed, 1 signing failed (e.g. an undefined term or
// an unknown context: the cryptosuite canonicalizes in safe mode), 2 usage or
// input error.
//
// Notes: for a VC 1.1 credential without `issuanceDate`, @digitalbazaar/vc
// adds one (the current time); if the credential's @context has neither the
// VC 2.0 nor the data-integrity v2 context, the suite appends
// https://w3id.org/security/data-integrity/v2 to it.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {createDocumentLoader, keyPairFromSeed} from './loader.mjs';
import {
  InputError, collectErrors, parseCli, readContexts, readJson
} from './cli.mjs';

const {values, positionals} = parseCli({
  usage: 'node sign.mjs <unsigned.json | -> --seed-hex HEX --created ISO ' +
    '[--context URL=FILE]...',
  positionals: 1,
  options: {
    'seed-hex': {type: 'string'},
    created: {type: 'string'}
  }
});

function inputError(msg) {
  process.stderr.write(`sign.mjs: ${msg}\n`);
  process.exit(2);
}

async function main() {
  let credential;
  let documentLoader;
  let seed;
  try {
    const seedHex = values['seed-hex'];
    if(typeof seedHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(seedHex)) {
      throw new InputError('--seed-hex must be 64 hex digits (32 bytes)');
    }
    seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
    if(typeof values.created !== 'string' ||
      isNaN(Date.parse(values.created))) {
      throw new InputError('--created must be an ISO date-time');
    }
    credential = readJson(positionals[0]);
    if(!credential || typeof credential !== 'object' ||
      Array.isArray(credential)) {
      throw new InputError('the credential must be a JSON object');
    }
    if(credential.proof !== undefined) {
      throw new InputError('the credential already has a "proof"');
    }
    documentLoader = createDocumentLoader(
      {extra: readContexts(values.context)});
  } catch(e) {
    inputError(e.message);
  }

  const {did, keyPair} = await keyPairFromSeed(seed);
  if(credential.issuer === '$DID') {
    credential.issuer = did;
  } else if(credential.issuer?.id === '$DID') {
    credential.issuer.id = did;
  }
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: eddsaRdfc2022,
    date: values.created
  });
  const signed = await vc.issue({credential, suite, documentLoader});
  process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
}

main().catch(e => {
  process.stderr.write(
    `sign.mjs: signing failed:\n  ${collectErrors(e).join('\n  ')}\n`);
  process.exit(1);
});
