// Verifies a BitstringStatusListCredential's proof (DataIntegrityProof /
// eddsa-rdfc-2022) and reads one bit of its list, with Digital Bazaar's JS
// stack (@digitalbazaar/vc-bitstring-status-list decoding), fully offline.
//
// usage:
//   node status.mjs <status-list.json | -> --index N [--context URL=FILE]...
//                   [--now ISO]
//
// Prints one JSON line:
//   {"verified":bool,"errors":[...],"id":..,"issuer":..,"purpose":..,
//    "length":<bits>,"bit":0|1}
// ("length" and "bit" are null when the list cannot be decoded or the index
// is out of range). The list is decoded even when the proof does not verify.
// Exit code: 0 proof verified and bit read, 1 otherwise, 2 usage or input
// error.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {decodeList} from '@digitalbazaar/vc-bitstring-status-list';

import {createDocumentLoader} from './loader.mjs';
import {
  InputError, collectErrors, emitAndExit, parseCli, readContexts, readJson
} from './cli.mjs';

const {values, positionals} = parseCli({
  usage: 'node status.mjs <status-list.json | -> --index N ' +
    '[--context URL=FILE]... [--now ISO]',
  positionals: 1,
  options: {
    index: {type: 'string'},
    now: {type: 'string'}
  }
});

async function main() {
  let slc;
  let documentLoader;
  let index;
  try {
    if(typeof values.index !== 'string' || !/^[0-9]+$/.test(values.index)) {
      throw new InputError('--index must be a non-negative integer');
    }
    index = Number(values.index);
    if(!Number.isSafeInteger(index)) {
      throw new InputError('--index is too large');
    }
    if(values.now !== undefined && isNaN(Date.parse(values.now))) {
      throw new InputError(`--now "${values.now}" is not a date-time`);
    }
    slc = readJson(positionals[0]);
    if(!slc || typeof slc !== 'object' || Array.isArray(slc)) {
      throw new InputError('the status list credential must be a JSON object');
    }
    documentLoader = createDocumentLoader(
      {extra: readContexts(values.context)});
  } catch(e) {
    process.stderr.write(`status.mjs: ${e.message}\n`);
    return emitAndExit({
      verified: false, errors: [`InputError: ${e.message}`],
      purpose: null, length: null, bit: null
    }, 2);
  }

  const errors = [];
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const options = {credential: slc, suite, documentLoader};
  if(values.now !== undefined) {
    options.now = values.now;
  }
  if(slc.credentialStatus) {
    options.checkStatus = async () => ({verified: true, skipped: true});
  }
  const result = await vc.verifyCredential(options);
  collectErrors(result.error, errors);
  for(const r of result.results ?? []) {
    if(r.error && r.error !== result.error) {
      collectErrors(r.error, errors);
    }
  }
  let verified = result.verified === true;

  const types = [].concat(slc.type ?? []);
  if(!types.includes('BitstringStatusListCredential')) {
    verified = false;
    errors.push('type does not include "BitstringStatusListCredential"');
  }
  const subject = slc.credentialSubject ?? {};
  if(subject.type !== 'BitstringStatusList') {
    verified = false;
    errors.push('credentialSubject.type is not "BitstringStatusList"');
  }

  let length = null;
  let bit = null;
  try {
    const list = await decodeList({encodedList: subject.encodedList});
    length = list.length;
    bit = list.getStatus(index) ? 1 : 0;
  } catch(e) {
    collectErrors(e, errors);
  }
  const out = {
    verified,
    errors: [...new Set(errors)],
    id: slc.id ?? null,
    issuer: (typeof slc.issuer === 'object' ? slc.issuer?.id : slc.issuer) ??
      null,
    purpose: subject.statusPurpose ?? null,
    length,
    bit
  };
  emitAndExit(out, verified && bit !== null ? 0 : 1);
}

main().catch(e => {
  emitAndExit({
    verified: false, errors: collectErrors(e), purpose: null, length: null,
    bit: null
  }, 1);
});
