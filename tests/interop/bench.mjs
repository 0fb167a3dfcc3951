// Timing anchor: Digital Bazaar's JS stack verifying and issuing a given
// credential (DataIntegrityProof / eddsa-rdfc-2022), fully offline.
//
// usage:
//   [N=500] [WARMUP=100] node bench.mjs <signed.json | ->
//         [--context URL=FILE]... [--status-list FILE]... [--seed-hex HEX]
//
// Single-threaded and sequential (each op awaited before the next), after
// WARMUP untimed ops. Prints one JSON line per bench on stdout, the first
// being an "env" line (node, openssl, CPU, load average, package versions):
//   {"bench":"env",...}
//   {"bench":"verify","n":..,"ops_per_sec":..,"mean_us":..,"p50_us":..,
//    "p95_us":..,"min_us":..,"what":..}
//   {"bench":"verify_status",...}   (only with --status-list)
//   {"bench":"issue",...}
//   {"bench":"raw_ed25519_verify",...}
//
// verify:  vc.verifyCredential of the given credential; did:key resolved per
//          op; a credentialStatus is not checked (a stub that passes).
// verify_status: the same with the full BitstringStatusList check against
//          the --status-list files (the status list credential's proof is
//          verified every time).
// issue:   vc.issue of the same credential without its proof, signed with
//          the Ed25519 key of --seed-hex (default: a fixed TEST-ONLY seed),
//          its issuer set to that did:key; a fresh `created` each op.
// raw_ed25519_verify: node:crypto Ed25519 verify of the credential's real
//          64-byte eddsa-rdfc-2022 verifyData, KeyObject imported once: the
//          physical floor of a verify.
// Exit code: 0 done, 1 the credential does not verify (nothing timed),
// 2 usage or input error.
import crypto from 'node:crypto';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

import {createDocumentLoader, didKeyDriver, keyPairFromSeed} from
  './loader.mjs';
import {collectErrors, parseCli, readContexts, readJson} from './cli.mjs';

// TEST-ONLY seed. Never use for anything real.
const DEFAULT_SEED_HEX =
  '9b1f2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';

const {values, positionals} = parseCli({
  usage: '[N=500] [WARMUP=100] node bench.mjs <signed.json | -> ' +
    '[--context URL=FILE]... [--status-list FILE]... [--seed-hex HEX]',
  positionals: 1,
  options: {
    'status-list': {type: 'string', multiple: true, default: []},
    'seed-hex': {type: 'string', default: DEFAULT_SEED_HEX}
  }
});

function inputError(msg) {
  process.stderr.write(`bench.mjs: ${msg}\n`);
  process.exit(2);
}

function envInt(name, dflt) {
  const v = process.env[name];
  if(v === undefined || v === '') {
    return dflt;
  }
  if(!/^[0-9]+$/.test(v)) {
    inputError(`${name} must be a non-negative integer`);
  }
  return parseInt(v, 10);
}

const N = envInt('N', 500);
const WARMUP = envInt('WARMUP', 100);
if(N < 1) {
  inputError('N must be at least 1');
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function pkgVersion(name) {
  try {
    return createRequire(import.meta.url)(`${name}/package.json`).version;
  } catch {
    try {
      const url = new URL(`./node_modules/${name}/package.json`,
        import.meta.url);
      return JSON.parse(readFileSync(url, 'utf8')).version;
    } catch {
      return null;
    }
  }
}

function summarize(name, samplesNs, totalNs, what) {
  const n = samplesNs.length;
  const sorted = Float64Array.from(samplesNs).sort();
  const q = p => sorted[Math.min(n - 1, Math.floor(p * n))] / 1e3;
  const totalUs = Number(totalNs) / 1e3;
  return {
    bench: name,
    n,
    ops_per_sec: +(n / (totalUs / 1e6)).toFixed(1),
    mean_us: +(totalUs / n).toFixed(2),
    p50_us: +q(0.5).toFixed(2),
    p95_us: +q(0.95).toFixed(2),
    min_us: +(sorted[0] / 1e3).toFixed(2),
    what
  };
}

// sequential benchmark (fn may be sync or async), per-op timings recorded
async function bench(name, fn, what) {
  for(let i = 0; i < WARMUP; ++i) {
    await fn(i);
  }
  const samples = new Float64Array(N);
  const t0 = process.hrtime.bigint();
  for(let i = 0; i < N; ++i) {
    const s = process.hrtime.bigint();
    await fn(i);
    samples[i] = Number(process.hrtime.bigint() - s);
  }
  const total = process.hrtime.bigint() - t0;
  return summarize(name, samples, total, what);
}

function fail(msg, errors = []) {
  process.stderr.write(`bench.mjs: ${msg}\n  ${errors.join('\n  ')}\n`);
  process.exit(1);
}

async function main() {
  let signed;
  let documentLoader;
  let seed;
  try {
    if(!/^[0-9a-fA-F]{64}$/.test(values['seed-hex'])) {
      throw new Error('--seed-hex must be 64 hex digits (32 bytes)');
    }
    seed = Uint8Array.from(Buffer.from(values['seed-hex'], 'hex'));
    signed = readJson(positionals[0]);
    if(!signed?.proof || typeof signed.proof !== 'object' ||
      Array.isArray(signed.proof)) {
      throw new Error('the credential must have a single "proof" object');
    }
    const extra = readContexts(values.context);
    for(const path of values['status-list']) {
      const sl = readJson(path);
      if(typeof sl?.id !== 'string') {
        throw new Error(`status list credential "${path}" has no "id"`);
      }
      extra.set(sl.id, sl);
    }
    documentLoader = createDocumentLoader({extra});
  } catch(e) {
    inputError(e.message);
  }

  emit({
    bench: 'env',
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    cpu: os.cpus()[0]?.model ?? null,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map(x => +x.toFixed(2)),
    n: N,
    warmup: WARMUP,
    packages: Object.fromEntries([
      '@digitalbazaar/vc',
      '@digitalbazaar/data-integrity',
      '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
      '@digitalbazaar/ed25519-multikey',
      '@digitalbazaar/vc-bitstring-status-list',
      '@digitalbazaar/did-method-key',
      'jsonld-signatures',
      'jsonld',
      'rdf-canonize'
    ].map(n => [n, pkgVersion(n)]))
  });

  const verifySuite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const stub = async () => ({verified: true, skipped: true});
  const hasStatus = !!signed.credentialStatus;
  const withStatus = hasStatus && values['status-list'].length > 0;
  const verifyOnce = async full => {
    const options = {credential: signed, suite: verifySuite, documentLoader};
    if(hasStatus) {
      options.checkStatus = full ? checkStatus : stub;
    }
    const r = await vc.verifyCredential(options);
    const bitSet = (r.statusResult?.results ?? []).some(x => x.status);
    return {ok: r.verified === true && !bitSet, r};
  };

  // correctness checks before timing anything
  {
    const {ok, r} = await verifyOnce(false);
    if(!ok) {
      fail('the credential does not verify', collectErrors(r.error));
    }
    if(withStatus) {
      const {ok, r} = await verifyOnce(true);
      if(!ok) {
        fail('the credential does not verify with its status list(s) ' +
          '(or a status bit is set)', collectErrors(
          r.error ?? r.statusResult?.error ?? []));
      }
    }
  }

  // unsigned copy + issuer key for the issue bench
  const {did, keyPair} = await keyPairFromSeed(seed);
  const {proof, ...unsigned} = signed;
  unsigned.issuer = typeof unsigned.issuer === 'object' ?
    {...unsigned.issuer, id: did} : did;
  const issueSuite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: eddsaRdfc2022
  });
  // vc.issue may add to the object it is given (proof, issuanceDate,
  // data-integrity context): each op gets its own copy
  const issueOnce = () => vc.issue({
    credential: structuredClone(unsigned), suite: issueSuite, documentLoader
  });
  {
    const reissued = await issueOnce();
    const r = await vc.verifyCredential({
      credential: reissued, suite: verifySuite, documentLoader,
      ...(hasStatus ? {checkStatus: stub} : {})
    });
    if(!r.verified) {
      fail('a credential issued by bench.mjs does not verify',
        collectErrors(r.error));
    }
  }

  // raw floor inputs: the real verifyData and the issuer's public key
  const verifyData = await verifySuite.createVerifyData({
    document: {...unsigned, issuer: signed.issuer}, proof: {...proof},
    documentLoader
  });
  const vm = await didKeyDriver.get({url: proof.verificationMethod});
  const vmKey = await Ed25519Multikey.from(vm);
  const pubKeyObj = crypto.createPublicKey({
    key: {
      kty: 'OKP', crv: 'Ed25519',
      x: Buffer.from(vmKey.publicKey).toString('base64url')
    },
    format: 'jwk'
  });
  const signature = base58btcDecode(proof.proofValue.slice(1));
  if(!crypto.verify(null, verifyData, pubKeyObj, signature)) {
    fail('raw Ed25519 verify of the credential proof failed');
  }

  const results = [];
  results.push(await bench('verify', async () => {
    if(!(await verifyOnce(false)).ok) {
      throw new Error('verify failed');
    }
  }, 'vc.verifyCredential eddsa-rdfc-2022; did:key resolved per op; ' +
    'credentialStatus not checked'));
  if(withStatus) {
    results.push(await bench('verify_status', async () => {
      if(!(await verifyOnce(true)).ok) {
        throw new Error('verify with status failed');
      }
    }, 'as verify + BitstringStatusList checkStatus: status list ' +
      'credential proof verified, issuers compared, list gunzipped, bit read'));
  }
  results.push(await bench('issue', issueOnce,
    'vc.issue eddsa-rdfc-2022 DataIntegrityProof (fresh created each op)'));
  results.push(await bench('raw_ed25519_verify', () => {
    if(!crypto.verify(null, verifyData, pubKeyObj, signature)) {
      throw new Error('raw verify failed');
    }
  }, 'node:crypto.verify Ed25519 over the 64-byte eddsa-rdfc-2022 ' +
    'verifyData, KeyObject imported once (physical floor)'));
  for(const r of results) {
    emit(r);
  }
}

// multibase 'z' payload (base58btc) -> bytes
function base58btcDecode(s) {
  const alphabet =
    '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for(const ch of s) {
    const v = alphabet.indexOf(ch);
    if(v < 0) {
      throw new Error('proofValue is not base58btc');
    }
    n = n * 58n + BigInt(v);
  }
  const bytes = [];
  while(n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for(const ch of s) {
    if(ch !== '1') {
      break;
    }
    bytes.unshift(0);
  }
  return Buffer.from(bytes);
}

main().catch(e => {
  process.stderr.write(`bench.mjs: ${collectErrors(e).join('\n  ')}\n`);
  process.exit(1);
});
