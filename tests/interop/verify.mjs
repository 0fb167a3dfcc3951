// Verifies a credential secured with a Data Integrity proof
// (DataIntegrityProof / eddsa-rdfc-2022) with Digital Bazaar's JS stack,
// fully offline (see loader.mjs).
//
// usage:
//   node verify.mjs <credential.json | -> [--context URL=FILE]...
//                   [--status-list FILE]... [--now ISO]
//
// Prints one JSON line:
//   {"verified":bool,"errors":[...],"statusChecked":bool,"status":[...]}
// Exit code: 0 verified, 1 not verified, 2 usage or input error (then the
// JSON line, if printed, has "verified": false and the input error).
//
// credentialStatus: without --status-list it is not checked
// ("statusChecked": false; the library refuses a credential with a
// credentialStatus and no checkStatus, so a stub that passes is used). With
// --status-list, each file is served under its own `id`; the
// BitstringStatusList check runs in full: the status list credential's proof
// is verified, its issuer must equal the credential's issuer, and each
// entry's bit is reported in "status". A set bit makes "verified" false (the
// JS library itself only reports the bit and leaves verified true).
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

import {createDocumentLoader} from './loader.mjs';
import {
  InputError, collectErrors, emitAndExit, parseCli, readContexts, readJson
} from './cli.mjs';

const {values, positionals} = parseCli({
  usage: 'node verify.mjs <credential.json | -> [--context URL=FILE]... ' +
    '[--status-list FILE]... [--now ISO]',
  positionals: 1,
  options: {
    'status-list': {type: 'string', multiple: true, default: []},
    now: {type: 'string'}
  }
});

async function main() {
  let credential;
  let documentLoader;
  try {
    credential = readJson(positionals[0]);
    if(!credential || typeof credential !== 'object' ||
      Array.isArray(credential)) {
      throw new InputError('the credential must be a JSON object');
    }
    const extra = readContexts(values.context);
    for(const path of values['status-list']) {
      const sl = readJson(path);
      if(typeof sl?.id !== 'string') {
        throw new InputError(
          `status list credential "${path}" has no string "id"`);
      }
      extra.set(sl.id, sl);
    }
    if(values.now !== undefined && isNaN(Date.parse(values.now))) {
      throw new InputError(`--now "${values.now}" is not a date-time`);
    }
    documentLoader = createDocumentLoader({extra});
  } catch(e) {
    process.stderr.write(`verify.mjs: ${e.message}\n`);
    return emitAndExit({
      verified: false, errors: [`InputError: ${e.message}`],
      statusChecked: false, status: []
    }, 2);
  }

  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const hasStatus = !!credential.credentialStatus;
  const statusChecked = hasStatus && values['status-list'].length > 0;
  const options = {credential, suite, documentLoader};
  if(values.now !== undefined) {
    options.now = values.now;
  }
  if(hasStatus) {
    options.checkStatus = statusChecked ?
      checkStatus : async () => ({verified: true, skipped: true});
  }

  const result = await vc.verifyCredential(options);

  const errors = collectErrors(result.error);
  for(const r of result.results ?? []) {
    if(r.error && r.error !== result.error) {
      collectErrors(r.error, errors);
    }
  }
  const out = {
    verified: result.verified === true,
    errors: [...new Set(errors)],
    statusChecked,
    status: []
  };
  if(statusChecked && result.statusResult) {
    out.status = (result.statusResult.results ?? []).map(r => ({
      statusPurpose: r.credentialStatus?.statusPurpose,
      statusListIndex: r.credentialStatus?.statusListIndex,
      statusListCredential: r.credentialStatus?.statusListCredential,
      bit: r.status === true ? 1 : 0
    }));
    if(result.statusResult.error) {
      out.errors.push(...collectErrors(result.statusResult.error));
    }
    // a set revocation/suspension bit means the credential is not valid
    if(out.status.some(s => s.bit === 1)) {
      out.verified = false;
      out.errors.push('credential status bit is set (revoked/suspended)');
    }
  }
  out.errors = [...new Set(out.errors)];
  emitAndExit(out, out.verified ? 0 : 1);
}

main().catch(e => {
  emitAndExit({
    verified: false, errors: collectErrors(e), statusChecked: false,
    status: []
  }, 1);
});
