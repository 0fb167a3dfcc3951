// Unit tests of the CV1 reader (node --test test/): the parts that need no bundle. The whole
// verification is compared with the Rust verifier by crates/web/tests/suite/parity.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  base45Decode, inflateCanonical, verifyCompact, DICTIONARY, sigStructure, parseSign1, CompactError,
} from '../src/cv1.js';

test('the dictionary is civitas-qr DICTIONARY byte for byte', () => {
  assert.equal(DICTIONARY.length, 348);
  assert.equal(createHash('sha256').update(DICTIONARY).digest('hex'),
    'aa9fd811b9c4b34e51b3b217afc63505513dc6a4d4eda50c3e397f58cda1e409');
});

test('Base45: RFC 9285 examples, and every non-canonical text refused', () => {
  const text = (b) => new TextDecoder().decode(b);
  assert.equal(text(base45Decode('BB8')), 'AB');
  assert.equal(text(base45Decode('%69 VD92EX0')), 'Hello!!');
  assert.equal(text(base45Decode('UJCLQE7W581')), 'base-45');
  assert.equal(text(base45Decode('QED8WEX0')), 'ietf!');
  assert.throws(() => base45Decode('GGW'), /65536/);
  assert.throws(() => base45Decode('::'), /more than the 255/);
  assert.throws(() => base45Decode('ABCD'), /truncated/);
  assert.throws(() => base45Decode('AbC'), /offset 1/);
});

test('inflate: dictionary, cap, trailing bytes and padding', () => {
  const data = new TextEncoder().encode('https://www.example/status/revocation/1 did:web:example#key-1');
  const compressed = deflateRawSync(data, { dictionary: Buffer.from(DICTIONARY), level: 9 });
  assert.deepEqual(inflateCanonical(new Uint8Array(compressed)), data);
  assert.throws(() => inflateCanonical(new Uint8Array([...compressed, 0])), /follow the end/);
  assert.throws(() => inflateCanonical(new Uint8Array(compressed), 10), /more than 10 bytes/);
  assert.throws(() => inflateCanonical(new Uint8Array()), /empty stream/);
  assert.throws(() => inflateCanonical(compressed.subarray(0, compressed.length - 2)), CompactError);
  // A padding bit set in the last byte, when there is one, is refused.
  const bomb = deflateRawSync(Buffer.alloc(1 << 20), { dictionary: Buffer.from(DICTIONARY) });
  assert.throws(() => inflateCanonical(new Uint8Array(bomb)), /more than 16384 bytes/);
});

test('Sig_structure is ciborium\'s encoding', () => {
  const tbs = sigStructure(new Uint8Array([0xa0]), new Uint8Array([0xa0]));
  assert.deepEqual([...tbs.subarray(0, 12)], [0x84, 0x6a, ...new TextEncoder().encode('Signature1')]);
  assert.throws(() => parseSign1(new Uint8Array([0xff])), /not valid CBOR/);
});

test('bad input is a failed syntax check, never an exception', async () => {
  const bundle = { type: 'CivitasBrowserBundle', version: 1, profiles: [], issuers: [], statusLists: [] };
  for (const input of [undefined, null, 42, {}, '', 'CV1:', 'CV1:%%%', 'CV2:AAA', 'x'.repeat(100000), 'CV1:' + 'A'.repeat(4400)]) {
    const report = await verifyCompact(input, bundle, new Date());
    assert.equal(report.verdict, 'invalid', String(input).slice(0, 20));
    assert.equal(report.checks[0].check, 'syntax');
    assert.equal(report.checks[0].outcome, 'failed');
  }
  const none = await verifyCompact('CV1:AAA', null);
  assert.equal(none.verdict, 'indeterminate');
});
