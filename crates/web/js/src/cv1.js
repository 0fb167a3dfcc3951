// civitas CV1 compact credentials verified in the browser, against a CivitasBrowserBundle.
//
// The same steps and the same checks as `civitas verify` (civitas-qr's compact module and
// civitas-verifier), written from SPEC.md §13 and the Rust sources:
//
//   CV1:<Base45( rawDEFLATE+dictionary( COSE_Sign1( {1: alg, 4: kid}, {}, claims, sig ) ) )>
//
// verifyCompact(text, bundle, now) never throws: unreadable input is a failed `syntax` check.
// What differs from the Rust verifier is listed in crates/web/js/README.md.

import { Inflate, ungzip } from 'pako';
import { decode as cborDecode, Tokenizer, Type } from 'cborg';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';

/** The prefix of version 1 of the compact form. */
export const PREFIX = 'CV1:';
/** Longest text looked at all (characters); longer input is refused before any work. */
export const MAX_INPUT_CHARS = 8192;
/** Longest compact text (civitas-qr MAX_TEXT_CHARS: a version 40 QR code, alphanumeric, level L). */
export const MAX_TEXT_CHARS = 4296;
/** Hard cap on the inflated COSE message (civitas-qr MAX_INFLATED_BYTES). */
export const MAX_INFLATED_BYTES = 16 * 1024;
/** Hard cap on an inflated status list bitstring. */
export const MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024;
/** Longest `kid` (civitas-qr MAX_KID_BYTES). */
export const MAX_KID_BYTES = 1024;
/** Deepest nesting of subject objects (civitas-qr MAX_DEPTH). */
export const MAX_DEPTH = 6;
const MAX_DID_KEY_BYTES = 128;
const CREDENTIALS_V2 = 'https://www.w3.org/ns/credentials/v2';
const STATUS_ENTRY_TYPE = 'BitstringStatusListEntry';
const STATUS_PURPOSES = ['revocation', 'suspension', 'refresh', 'message'];
const UUID_PREFIX = 'urn:uuid:';

// The preset dictionary of version 1: civitas-qr's deflate::DICTIONARY, byte for byte
// (348 bytes, SHA-256 aa9fd811b9c4b34e51b3b217afc63505513dc6a4d4eda50c3e397f58cda1e409).
export const DICTIONARY = new Uint8Array([
  0x42, 0x75, 0x72, 0x65, 0x61, 0x75, 0x20, 0x64, 0x65, 0x20, 0x6c, 0x27, 0xc3, 0xa9, 0x74, 0x61,
  0x74, 0x20, 0x63, 0x69, 0x76, 0x69, 0x6c, 0x2c, 0x20, 0x4d, 0x61, 0x69, 0x72, 0x69, 0x65, 0x20,
  0x64, 0x65, 0x20, 0x43, 0x6c, 0x69, 0x6e, 0x69, 0x71, 0x75, 0x65, 0x20, 0x48, 0xc3, 0xb4, 0x70,
  0x69, 0x74, 0x61, 0x6c, 0x20, 0x43, 0x6c, 0x69, 0x6e, 0x69, 0x63, 0x20, 0x48, 0x6f, 0x73, 0x70,
  0x69, 0x74, 0x61, 0x6c, 0x20, 0x43, 0x69, 0x76, 0x69, 0x6c, 0x20, 0x53, 0x74, 0x61, 0x74, 0x75,
  0x73, 0x20, 0x4f, 0x66, 0x66, 0x69, 0x63, 0x65, 0x2c, 0x20, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a,
  0x2f, 0x2f, 0x77, 0x77, 0x77, 0x2e, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x2f, 0x73,
  0x74, 0x61, 0x74, 0x75, 0x73, 0x2f, 0x72, 0x65, 0x66, 0x72, 0x65, 0x73, 0x68, 0x2f, 0x2f, 0x73,
  0x74, 0x61, 0x74, 0x75, 0x73, 0x2f, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x2f, 0x2f, 0x73,
  0x74, 0x61, 0x74, 0x75, 0x73, 0x2f, 0x73, 0x75, 0x73, 0x70, 0x65, 0x6e, 0x73, 0x69, 0x6f, 0x6e,
  0x2f, 0x2f, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x2f, 0x72, 0x65, 0x76, 0x6f, 0x63, 0x61, 0x74,
  0x69, 0x6f, 0x6e, 0x2f, 0xa6, 0x02, 0x82, 0xa6, 0x03, 0x04, 0x06, 0x61, 0x4d, 0x06, 0x61, 0x46,
  0x07, 0x19, 0x09, 0x6e, 0x0a, 0x62, 0x0c, 0x19, 0x0d, 0xa4, 0x12, 0x78, 0x13, 0x16, 0x17, 0x62,
  0x0e, 0x0f, 0x82, 0xa3, 0x03, 0x03, 0xa2, 0x62, 0x65, 0x6e, 0x62, 0x66, 0x72, 0x04, 0x06, 0x61,
  0x46, 0x06, 0x61, 0x4d, 0x07, 0x19, 0x08, 0x19, 0x0b, 0xa4, 0x12, 0x13, 0x16, 0x17, 0x62, 0x10,
  0xa4, 0x03, 0x04, 0x09, 0x6e, 0x0a, 0x62, 0x11, 0xa4, 0x03, 0x04, 0x09, 0x6e, 0x0a, 0x62, 0x18,
  0x1a, 0xa5, 0x14, 0x70, 0x15, 0x78, 0x16, 0x18, 0x18, 0x19, 0x18, 0x19, 0x07, 0x82, 0x83, 0x00,
  0x1a, 0x00, 0x83, 0x01, 0x1a, 0x00, 0x83, 0x01, 0x19, 0x58, 0x40, 0xa0, 0x59, 0x01, 0xa5, 0x01,
  0x01, 0x02, 0x50, 0x04, 0x1a, 0x06, 0x00, 0x58, 0x22, 0xed, 0x01, 0x64, 0x69, 0x64, 0x3a, 0x6b,
  0x65, 0x79, 0x3a, 0x7a, 0x44, 0x6e, 0x64, 0x69, 0x64, 0x3a, 0x6b, 0x65, 0x79, 0x3a, 0x7a, 0x36,
  0x4d, 0x6b, 0x64, 0x69, 0x64, 0x3a, 0x77, 0x65, 0x62, 0x3a, 0x23, 0x6b, 0x65, 0x79, 0x2d, 0xd2,
  0x84, 0x58, 0xa2, 0x01, 0x26, 0x04, 0x58, 0xa2, 0x01, 0x27, 0x04, 0x58,
]);

/** Why a compact text cannot be read: reported as the failed `syntax` check. */
export class CompactError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CompactError';
  }
}

const fail = (message) => {
  throw new CompactError(message);
};

// ------------------------------------------------------------------------------------------
// Base45 (RFC 9285), strict as civitas-qr's decoder: one Base45 form per byte string.

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function base45Value(text, offset) {
  const v = BASE45.indexOf(text[offset]);
  if (v < 0 || text[offset].length !== 1) {
    fail(`compact text: character ${JSON.stringify(text[offset])} at offset ${offset} is not in the Base45 alphabet`);
  }
  return v;
}

/** Decodes Base45 text (RFC 9285) to bytes, refusing every text an encoder could not produce. */
export function base45Decode(text) {
  if (text.length % 3 === 1) {
    for (let i = 0; i < text.length; i++) base45Value(text, i);
    fail(`compact text: a Base45 text of ${text.length} characters is truncated: its length must be 3n or 3n+2`);
  }
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let offset = 0; offset < text.length; offset += 3) {
    const n3 = Math.min(3, text.length - offset);
    let n = 0;
    let scale = 1;
    for (let i = 0; i < n3; i++) {
      n += base45Value(text, offset + i) * scale;
      scale *= 45;
    }
    if (n3 === 3) {
      if (n > 0xffff) fail(`compact text: the Base45 group at offset ${offset} encodes ${n}, more than the 65535 its bytes can hold`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      if (n > 0xff) fail(`compact text: the Base45 group at offset ${offset} encodes ${n}, more than the 255 its bytes can hold`);
      out[o++] = n;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Raw DEFLATE with the preset dictionary, capped, in canonical form (civitas-qr deflate.rs).

function inflateOnce(data, max) {
  const inflater = new Inflate({ raw: true, dictionary: DICTIONARY, chunkSize: 16 * 1024 });
  const chunks = [];
  let total = 0;
  let tooLarge = false;
  inflater.onData = (chunk) => {
    total += chunk.length;
    if (total > max) {
      tooLarge = true;
      throw new CompactError(`the compressed payload inflates to more than ${max} bytes`);
    }
    chunks.push(chunk.slice());
  };
  try {
    inflater.push(data, true);
  } catch (e) {
    if (tooLarge) throw e;
    fail('the compressed payload is corrupt: invalid DEFLATE data');
  }
  if (tooLarge) fail(`the compressed payload inflates to more than ${max} bytes`);
  if (inflater.err) fail('the compressed payload is corrupt: invalid DEFLATE data');
  if (!inflater.ended) fail('the compressed payload is corrupt: truncated stream');
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { out, consumed: data.length - inflater.strm.avail_in };
}

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Inflates a CV1 payload: one block, every padding bit zero, nothing after it, at most `max`. */
export function inflateCanonical(data, max = MAX_INFLATED_BYTES) {
  if (data.length === 0) fail('the compressed payload is corrupt: empty stream');
  const first = data[0];
  const final = first & 1;
  const btype = (first >> 1) & 3;
  let stored = false;
  if (final !== 1) fail('the compressed payload must be a single DEFLATE block, not several blocks');
  if (btype === 3) fail('the compressed payload is corrupt: reserved block type');
  if (btype === 0) {
    if (first >> 3 !== 0) fail('the compressed payload has non-zero padding bits (altered?)');
    stored = true;
  }
  const { out, consumed } = inflateOnce(data, max);
  if (consumed !== data.length) {
    fail(`${data.length - consumed} byte(s) follow the end of the compressed payload`);
  }
  // A set bit of the last byte that can be cleared without changing the result is padding.
  if (!stored) {
    const last = data.length - 1;
    const byte = data[last];
    const copy = data.slice();
    for (let bit = 0; bit < 8; bit++) {
      if ((byte & (1 << bit)) === 0) continue;
      copy[last] = byte & ~(1 << bit);
      let same = false;
      try {
        const again = inflateOnce(copy, max);
        same = again.consumed === consumed && sameBytes(again.out, out);
      } catch {
        same = false;
      }
      copy[last] = byte;
      if (same) fail('the compressed payload has non-zero padding bits (altered?)');
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// CBOR and COSE_Sign1

class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

const TAGS = [];
for (let t = 0; t < 64; t++) TAGS[t] = (inner) => new Tagged(t, inner);

const UTF8 = new TextDecoder('utf-8', { fatal: true });

// cborg's tokenizer, refusing text strings that are not UTF-8 (as ciborium does).
class StrictTokenizer extends Tokenizer {
  next() {
    const token = super.next();
    if (token.type === Type.string && token.byteValue) {
      try {
        UTF8.decode(token.byteValue);
      } catch {
        throw new Error('a text string is not valid UTF-8');
      }
    }
    return token;
  }
}

function cbor(bytes) {
  const options = {
    useMaps: true,
    rejectDuplicateMapKeys: true,
    allowBigInt: true,
    tags: TAGS,
    retainStringBytes: true,
  };
  try {
    return cborDecode(bytes, { ...options, tokenizer: new StrictTokenizer(bytes, options) });
  } catch (e) {
    return fail(`not valid CBOR: ${e && e.message ? e.message : String(e)}`);
  }
}

// cborg reports integers as numbers (or BigInt beyond 2^53); both are accepted here.
const isInt = (v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
const asU64 = (v) => (isInt(v) && v >= 0 ? v : null);
const isBytes = (v) => v instanceof Uint8Array;

function entriesOf(map) {
  return [...map.entries()];
}

const structure = (reason) => fail(`not a civitas COSE_Sign1 message: ${reason}`);

/** Parses a tagged COSE_Sign1 message (signature not checked). */
export function parseSign1(bytes) {
  const top = cbor(bytes);
  if (!(top instanceof Tagged)) structure('expected CBOR tag 18 (COSE_Sign1)');
  if (top.tag !== 18) structure(`CBOR tag ${top.tag}, expected 18 (COSE_Sign1)`);
  const items = top.value;
  if (!Array.isArray(items)) structure('COSE_Sign1 must be an array');
  if (items.length !== 4) structure(`COSE_Sign1 has ${items.length} elements, expected 4`);
  const [protectedBytes, unprotected, payload, signature] = items;
  if (!isBytes(protectedBytes)) structure('the protected header must be a byte string');
  if (!(unprotected instanceof Map)) structure('the unprotected header must be a map');
  if (unprotected.size !== 0) structure('the unprotected header must be empty (alg and kid are protected)');
  if (payload === null) structure('detached payloads are not supported');
  if (!isBytes(payload)) structure('the payload must be a byte string');
  if (!isBytes(signature)) structure('the signature must be a byte string');
  const header = cbor(protectedBytes);
  if (!(header instanceof Map)) structure('the protected header must encode a map');
  let alg;
  let kid;
  for (const [label, value] of entriesOf(header)) {
    const l = isInt(label) ? Number(label) : null;
    if (l === 1 && alg === undefined) alg = value;
    else if (l === 4 && kid === undefined) kid = value;
    else if (l === 1 || l === 4) structure('a protected header parameter is repeated');
    else structure(`protected header parameter ${String(label)} is not supported (only alg and kid)`);
  }
  let algorithm;
  if (alg === undefined || !isInt(alg)) structure('the protected header has no integer `alg` (1)');
  if (Number(alg) === -8) algorithm = 'Ed25519';
  else if (Number(alg) === -7) algorithm = 'P-256';
  else fail(`COSE algorithm ${String(alg)} is not supported (EdDSA -8, ES256 -7)`);
  if (kid === undefined) structure('the protected header has no `kid` (4)');
  if (!isBytes(kid) || kid.length === 0 || kid.length > MAX_KID_BYTES) {
    structure(`the kid must be a byte string of 1 to ${MAX_KID_BYTES} bytes`);
  }
  let kidText;
  try {
    kidText = new TextDecoder('utf-8', { fatal: true }).decode(kid);
  } catch {
    structure('the kid is not UTF-8');
  }
  if (signature.length !== 64) structure(`the ${algorithm} signature is ${signature.length} bytes, expected 64`);
  return { algorithm, kid: kidText, protected: protectedBytes, payload, signature };
}

function cborHead(major, length) {
  if (length < 24) return [(major << 5) | length];
  if (length < 0x100) return [(major << 5) | 24, length];
  if (length < 0x10000) return [(major << 5) | 25, length >> 8, length & 0xff];
  return [(major << 5) | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
}

/** The bytes signed: `Sig_structure = ["Signature1", protected, h'', payload]`, as ciborium writes it. */
export function sigStructure(protectedBytes, payload) {
  const parts = [
    [0x84],
    cborHead(3, 10), [...new TextEncoder().encode('Signature1')],
    cborHead(2, protectedBytes.length), protectedBytes,
    cborHead(2, 0),
    cborHead(2, payload.length), payload,
  ];
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Encodings

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(text) {
  let n = 0n;
  for (const c of text) {
    const v = B58.indexOf(c);
    if (v < 0) return null;
    n = n * 58n + BigInt(v);
  }
  const body = [];
  while (n > 0n) {
    body.push(Number(n & 0xffn));
    n >>= 8n;
  }
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  return new Uint8Array([...new Array(zeros).fill(0), ...body.reverse()]);
}

function base58Encode(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = `1${out}`;
  return out;
}

function base64UrlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  try {
    if (typeof atob === 'function') {
      const bin = atob(padded);
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    }
  } catch {
    return null;
  }
  return null;
}

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

// RFC 3339 date-time with a time zone, as civitas parses them.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A date-time text as milliseconds since the epoch, or null. */
export function parseDateTime(text) {
  if (typeof text !== 'string') return null;
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = Date.parse(text.toUpperCase());
  return Number.isNaN(t) ? null : t;
}

/** civitas-core's format_datetime: seconds precision, `Z`. */
export function formatDateTime(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function isUrl(s) {
  return typeof s === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u.test(s);
}

const controllerOf = (kid) => kid.split('#')[0];

// ------------------------------------------------------------------------------------------
// The CV1 key table: the union of every profile's table (civitas-qr claims::table()).

function cv1Table(bundle) {
  const table = {
    documents: new Map(), subjectTypes: new Map(), keys: new Map(), members: new Map(),
    types: new Map(), typeCodes: new Map(), implied: new Map(), profiles: new Map(),
  };
  for (const profile of bundle && Array.isArray(bundle.profiles) ? bundle.profiles : []) {
    table.profiles.set(profile.type, profile);
    const t = profile.cv1;
    if (!t) continue;
    for (const [code, name] of t.documents || []) table.documents.set(code, name);
    for (const [name, cls] of Object.entries(t.subjectTypes || {})) table.subjectTypes.set(name, cls);
    for (const [key, member, kind] of t.keys || []) {
      table.keys.set(key, { member, kind });
      table.members.set(member, { key, kind });
    }
    for (const [code, name] of t.types || []) {
      table.types.set(code, name);
      table.typeCodes.set(name, code);
    }
    for (const [member, cls] of Object.entries(t.implied || {})) table.implied.set(member, cls);
  }
  return table;
}

const CLAIM_TYPE = 1;
const CLAIM_ID = 2;
const CLAIM_ISSUER = 3;
const CLAIM_VALID_FROM = 4;
const CLAIM_VALID_UNTIL = 5;
const CLAIM_SUBJECT = 6;
const CLAIM_STATUS = 7;
const TYPE_KEY = 1;

const badClaim = (path, reason) => fail(`compact claims: \`${path}\`: ${reason}`);

function keyed(map, path) {
  const out = new Map();
  for (const [k, v] of entriesOf(map)) {
    const key = asU64(k);
    if (key === null) badClaim(path, `key ${String(k)} is not an unsigned integer`);
    const n = Number(key);
    if (out.has(n)) badClaim(path, `key ${n} is repeated`);
    out.set(n, v);
  }
  return out;
}

function text(v, path) {
  if (typeof v !== 'string') badClaim(path, 'must be text');
  return v;
}

function decodeInstant(v, path) {
  if (typeof v === 'string') return v;
  if (!isInt(v)) badClaim(path, 'must be seconds since the epoch or text');
  const secs = Number(v);
  // chrono's range: years -262143 to 262142.
  if (!Number.isSafeInteger(secs) || Math.abs(secs) > 8.2e15) badClaim(path, `${String(v)} is out of range`);
  const d = new Date(secs * 1000);
  if (Number.isNaN(d.getTime())) badClaim(path, `${String(v)} is out of range`);
  return formatYear(d, true);
}

// ISO text of a UTC date (chrono's formatting: 4-digit years, signed beyond).
function formatYear(d, withTime) {
  const y = d.getUTCFullYear();
  const year = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(4, '0');
  const p = (n) => String(n).padStart(2, '0');
  const date = `${year}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  if (!withTime) return date;
  return `${date}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}Z`;
}

function amountText(mantissa, scale) {
  if (scale > 18) return null;
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString();
  const padded = digits.padStart(scale + 1, '0');
  const whole = padded.slice(0, padded.length - scale);
  const fraction = padded.slice(padded.length - scale);
  const sign = negative ? '-' : '';
  return scale === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}

function decodeObject(table, map, impliedType, path, depth) {
  if (depth > MAX_DEPTH) badClaim(path, 'nested too deeply');
  const entries = keyed(map, path);
  const members = [];
  if (!entries.has(TYPE_KEY) && impliedType) members.push([TYPE_KEY, 'type', impliedType]);
  for (const [key, value] of [...entries.entries()].sort((a, b) => a[0] - b[0])) {
    const row = table.keys.get(key);
    if (!row) badClaim(path, `unknown key ${key} (not in table version 1)`);
    const p = `${path}.${row.member}`;
    if (key === TYPE_KEY && value === null) {
      if (!impliedType) badClaim(p, 'null where no type is implied');
      continue;
    }
    members.push([key, row.member, decodeValue(table, row.member, value, row.kind, p, depth)]);
  }
  members.sort((a, b) => a[0] - b[0]);
  if (members.length === 0) badClaim(path, 'is empty');
  const out = {};
  for (const [, name, v] of members) out[name] = v;
  return out;
}

function decodeValue(table, member, value, kind, path, depth) {
  switch (kind) {
    case 'text':
      return text(value, path);
    case 'did':
      if (isBytes(value)) {
        if (value.length < 1 || value.length > MAX_DID_KEY_BYTES) badClaim(path, 'a binary did:key is 1 to 128 bytes');
        return `did:key:z${base58Encode(value)}`;
      }
      return text(value, path);
    case 'localized':
      if (typeof value === 'string') return value;
      if (value instanceof Map && value.size > 0) {
        const out = {};
        for (const [lang, v] of entriesOf(value)) {
          const l = text(lang, path);
          const t = text(v, `${path}.${l}`);
          if (Object.prototype.hasOwnProperty.call(out, l)) badClaim(path, `language \`${l}\` is repeated`);
          out[l] = t;
        }
        return out;
      }
      return badClaim(path, 'must be text or a non-empty language map');
    case 'date': {
      if (typeof value === 'string') return value;
      if (!isInt(value)) badClaim(path, 'must be days since 1970-01-01 or text');
      const days = Number(value);
      const d = new Date(days * 86400000);
      if (!Number.isSafeInteger(days) || Number.isNaN(d.getTime()) || Math.abs(days) > 95000000) {
        badClaim(path, `${String(value)} days is out of range`);
      }
      return formatYear(d, false);
    }
    case 'time': {
      if (typeof value === 'string') return value;
      const secs = asU64(value);
      if (secs === null || Number(secs) >= 86400) badClaim(path, 'must be seconds since midnight or text');
      const s = Number(secs);
      const p = (n) => String(n).padStart(2, '0');
      return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
    }
    case 'instant':
      return decodeInstant(value, path);
    case 'amount':
      if (Array.isArray(value)) {
        if (value.length !== 3) badClaim(path, 'an amount is [mantissa, scale, currency]');
        const [mantissa, scale, currency] = value;
        if (!isInt(mantissa)) badClaim(path, 'the mantissa is an integer');
        const big = BigInt(mantissa);
        if (big > 9223372036854775807n || big < -9223372036854775808n) badClaim(path, 'the mantissa is an integer');
        const sc = asU64(scale);
        if (sc === null || Number(sc) > 18) badClaim(path, 'the scale is 0 to 18');
        const v = amountText(big, Number(sc));
        return { value: v, currency: text(currency, path) };
      }
      if (value instanceof Map) return decodeObject(table, value, null, path, depth + 1);
      return badClaim(path, 'must be an amount array or a map');
    case 'integer':
      if (!isInt(value) || BigInt(value) > 9223372036854775807n || BigInt(value) < -9223372036854775808n) {
        badClaim(path, 'must be an integer');
      }
      return Number(value);
    case 'typeName': {
      if (typeof value === 'string') return value;
      const code = asU64(value);
      const name = code === null ? undefined : table.types.get(Number(code));
      if (!name) badClaim(path, 'unknown type code');
      return name;
    }
    case 'object':
      if (!(value instanceof Map)) badClaim(path, 'must be a map');
      return decodeObject(table, value, table.implied.get(member) || null, path, depth + 1);
    case 'objectList':
      if (!Array.isArray(value)) badClaim(path, 'must be an array');
      return value.map((item, i) => {
        if (!(item instanceof Map)) badClaim(`${path}[${i}]`, 'must be a map');
        return decodeObject(table, item, table.implied.get(member) || null, `${path}[${i}]`, depth + 1);
      });
    default:
      return text(value, path);
  }
}

function decodeStatus(value) {
  if (!Array.isArray(value)) badClaim('credentialStatus', 'must be an array');
  if (value.length === 0) badClaim('credentialStatus', 'an empty list is written by leaving the claim out');
  const lists = [];
  const out = [];
  value.forEach((item, i) => {
    const path = `credentialStatus[${i}]`;
    if (!Array.isArray(item)) badClaim(path, 'must be an array');
    if (item.length < 3 || item.length > 4) badClaim(path, 'must have 3 or 4 elements');
    const [purposeV, indexV, listV] = item;
    let purpose;
    if (typeof purposeV === 'string') purpose = purposeV;
    else {
      const code = asU64(purposeV);
      purpose = code === null ? undefined : STATUS_PURPOSES[Number(code)];
      if (!purpose) badClaim(path, 'unknown status purpose code');
    }
    let index;
    if (typeof indexV === 'string') index = indexV;
    else {
      const n = asU64(indexV);
      if (n === null) badClaim(path, 'the index must be an unsigned integer');
      index = BigInt(n).toString();
    }
    let list;
    if (typeof listV === 'string') list = listV;
    else {
      const n = asU64(listV);
      list = n === null ? undefined : lists[Number(n)];
      if (list === undefined) badClaim(path, 'the list must be a URL or the number of an earlier entry');
    }
    let id;
    if (item.length === 3) id = `${list}#${index}`;
    else if (item[3] === null) id = null;
    else if (typeof item[3] === 'string') id = item[3];
    else badClaim(path, 'the id must be text or null');
    const entry = {};
    if (id !== null) entry.id = id;
    entry.type = STATUS_ENTRY_TYPE;
    entry.statusPurpose = purpose;
    entry.statusListIndex = index;
    entry.statusListCredential = list;
    lists.push(list);
    out.push(entry);
  });
  return out.length === 1 ? out[0] : out;
}

function uuidText(bytes) {
  const h = hex(bytes);
  return `${UUID_PREFIX}${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Rebuilds the credential JSON from the claims CBOR of a message signed with `kid`. */
export function decodeClaims(payload, kid, bundle) {
  const top = cbor(payload);
  if (!(top instanceof Map)) badClaim('claims', 'must be a map');
  const claims = keyed(top, 'claims');
  for (const k of claims.keys()) {
    if (k < CLAIM_TYPE || k > CLAIM_STATUS) badClaim('claims', `unknown claim key ${k} (not in table version 1)`);
  }
  const table = cv1Table(bundle);
  const code = asU64(claims.get(CLAIM_TYPE));
  if (code === null) badClaim('type', 'the document type code is missing');
  const kind = table.documents.get(Number(code));
  const profile = kind && table.profiles.get(kind);
  if (!kind || !profile) badClaim('type', `unknown document type code ${String(code)}`);
  const vc = {};
  vc['@context'] = [CREDENTIALS_V2, profile.context];
  if (claims.has(CLAIM_ID)) {
    const id = claims.get(CLAIM_ID);
    if (isBytes(id)) {
      if (id.length !== 16) badClaim('id', 'a binary id must be a 16-byte UUID');
      vc.id = uuidText(id);
    } else vc.id = text(id, 'id');
  }
  vc.type = ['VerifiableCredential', kind];
  if (claims.has(CLAIM_ISSUER)) vc.issuer = text(claims.get(CLAIM_ISSUER), 'issuer');
  else if (kid.includes('#')) vc.issuer = controllerOf(kid);
  else badClaim('issuer', 'is missing, and the kid is not a DID URL to take it from');
  if (claims.has(CLAIM_VALID_FROM)) vc.validFrom = decodeInstant(claims.get(CLAIM_VALID_FROM), 'validFrom');
  if (claims.has(CLAIM_VALID_UNTIL)) vc.validUntil = decodeInstant(claims.get(CLAIM_VALID_UNTIL), 'validUntil');
  vc.credentialSchema = { id: profile.schemaUrl, type: 'JsonSchema' };
  if (!claims.has(CLAIM_SUBJECT)) badClaim('credentialSubject', 'is missing');
  const subject = claims.get(CLAIM_SUBJECT);
  if (!(subject instanceof Map)) badClaim('credentialSubject', 'must be a map');
  vc.credentialSubject = orderLike(
    decodeObject(table, subject, table.subjectTypes.get(kind) || null, 'credentialSubject', 0),
    profile,
  );
  if (claims.has(CLAIM_STATUS)) vc.credentialStatus = decodeStatus(claims.get(CLAIM_STATUS));
  return { documentType: kind, credential: vc };
}

// The subject's members in the profile's order (as civitas-profile's `order`), `type` first.
function orderLike(subject, profile) {
  const order = (profile.fields || []).filter((f) => !f.includes('.') && !f.includes('[')).map((f) => f);
  const out = {};
  if ('id' in subject) out.id = subject.id;
  if ('type' in subject) out.type = subject.type;
  for (const f of order) if (f in subject && !(f in out)) out[f] = subject[f];
  for (const [k, v] of Object.entries(subject)) if (!(k in out)) out[k] = v;
  return out;
}

// ------------------------------------------------------------------------------------------
// The data model rules civitas-core's Credential::from_value applies to the rebuilt credential.

function dataModelError(vc) {
  if (vc.id !== undefined && !isUrl(vc.id)) return 'the rebuilt credential is not valid: `/id` must be a URL';
  if (!isUrl(vc.issuer)) return 'the rebuilt credential is not valid: `/issuer` must be a URL or an object with an `id`';
  if (Object.keys(vc.credentialSubject).length === 0) return 'the rebuilt credential is not valid: `/credentialSubject/0` must be a non-empty object';
  if (vc.credentialSubject.id !== undefined && !isUrl(vc.credentialSubject.id)) {
    return 'the rebuilt credential is not valid: `/credentialSubject/0/id` must be a URL';
  }
  let from = null;
  let until = null;
  for (const key of ['validFrom', 'validUntil']) {
    if (vc[key] === undefined) continue;
    const t = parseDateTime(vc[key]);
    if (t === null) return `the rebuilt credential is not valid: \`/${key}\` is not an RFC 3339 date-time`;
    if (key === 'validFrom') from = t;
    else until = t;
  }
  if (from !== null && until !== null && until < from) return 'the rebuilt credential is not valid: `/validUntil` is before validFrom';
  const entries = vc.credentialStatus === undefined ? [] : [].concat(vc.credentialStatus);
  for (const [i, e] of entries.entries()) {
    if (e.id !== undefined && !isUrl(e.id)) return `the rebuilt credential is not valid: \`/credentialStatus/${i}/id\` must be a URL`;
  }
  return null;
}

// ------------------------------------------------------------------------------------------
// Keys: the bundle's issuers (pinned DID documents) and did:key.

function jwkBytes(jwk) {
  if (!jwk || typeof jwk !== 'object') return null;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const x = base64UrlDecode(jwk.x || '');
    return x && x.length === 32 ? { algorithm: 'Ed25519', bytes: x } : null;
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const x = base64UrlDecode(jwk.x || '');
    const y = base64UrlDecode(jwk.y || '');
    if (!x || !y || x.length !== 32 || y.length !== 32) return null;
    const point = new Uint8Array(65);
    point[0] = 4;
    point.set(x, 1);
    point.set(y, 33);
    return { algorithm: 'P-256', bytes: point };
  }
  return null;
}

/** The controller document of `did` as the verifier's offline resolver sees it, or an error text. */
function resolve(did, bundle) {
  const issuer = (bundle.issuers || []).find((i) => i.id === did && i.hasDidDocument !== false);
  if (issuer) {
    const methods = new Map();
    for (const k of issuer.keys || []) methods.set(k.id, { key: jwkBytes(k.publicKeyJwk), assertion: !!k.assertionMethod });
    return { doc: { id: did, methods } };
  }
  if (did.startsWith('did:key:')) {
    const mb = did.slice('did:key:'.length);
    const bytes = mb.startsWith('z') ? base58Decode(mb.slice(1)) : null;
    let key = null;
    if (bytes && bytes.length === 34 && bytes[0] === 0xed && bytes[1] === 0x01) {
      key = { algorithm: 'Ed25519', bytes: bytes.slice(2) };
    } else if (bytes && bytes.length === 35 && bytes[0] === 0x80 && bytes[1] === 0x24) {
      try {
        p256.Point.fromBytes(bytes.slice(2));
        key = { algorithm: 'P-256', bytes: bytes.slice(2) };
      } catch {
        key = null;
      }
    }
    if (!key || `z${base58Encode(bytes)}` !== mb) return { error: `${did} is not a valid did:key` };
    const methods = new Map([[`${did}#${mb}`, { key, assertion: true }]]);
    return { doc: { id: did, methods } };
  }
  return { error: `${did} cannot be resolved offline: it is not a did:key, and no trusted issuer's DID document names it` };
}

function verifySignature(sign1, bundle) {
  const { doc, error } = resolve(controllerOf(sign1.kid), bundle);
  if (error) return { outcome: 'failed', detail: `cannot resolve the signing key \`${sign1.kid}\`: ${error}` };
  const method = doc.methods.get(sign1.kid);
  if (!method || !method.key) {
    return { outcome: 'failed', detail: `cannot resolve the signing key \`${sign1.kid}\`: ${doc.id} has no verification method ${sign1.kid}` };
  }
  if (method.key.algorithm !== sign1.algorithm) {
    return { outcome: 'failed', detail: `\`alg\` is ${sign1.algorithm} but ${sign1.kid} is a ${method.key.algorithm} key` };
  }
  const tbs = sigStructure(sign1.protected, sign1.payload);
  let ok = false;
  try {
    ok = sign1.algorithm === 'Ed25519'
      ? ed25519.verify(sign1.signature, tbs, method.key.bytes)
      : p256.verify(sign1.signature, tbs, method.key.bytes, { prehash: true, lowS: false, format: 'compact' });
  } catch {
    ok = false;
  }
  if (!ok) {
    return { outcome: 'failed', detail: `the COSE signature does not verify with ${sign1.kid}: the compact credential was altered or signed by another key` };
  }
  const jose = sign1.algorithm === 'Ed25519' ? 'EdDSA' : 'ES256';
  return { outcome: 'ok', detail: `COSE_Sign1 ${jose} signature by ${sign1.kid}` };
}

function issuerBinding(issuer, kid, bundle) {
  const { doc, error } = resolve(issuer, bundle);
  if (error) return { outcome: 'failed', detail: error };
  const method = doc.methods.get(kid);
  if (method && method.assertion) return { outcome: 'ok', detail: `${kid} is an assertion key of the issuer` };
  if (controllerOf(kid) !== issuer) {
    return { outcome: 'failed', detail: `the key ${kid} is not controlled by ${issuer}, and ${issuer} does not list it under assertionMethod` };
  }
  return { outcome: 'failed', detail: `${issuer} does not allow the key ${kid} for assertionMethod` };
}

function keyWindowFailure(bundle, issuer, kid, signedAt) {
  if (bundle.trustMode !== 'list') return null;
  const entry = (bundle.issuers || []).find((i) => i.id === issuer);
  const key = entry && (entry.keys || []).find((k) => k.id === kid && k.hasWindow);
  if (!key) return null;
  const nb = key.notBefore ? parseDateTime(key.notBefore) : null;
  const na = key.notAfter ? parseDateTime(key.notAfter) : null;
  const window = nb !== null && na !== null ? `from ${key.notBefore} until ${key.notAfter}`
    : nb !== null ? `from ${key.notBefore}` : na !== null ? `until ${key.notAfter}` : 'at any time';
  if (signedAt === null) return `${kid} may sign only ${window}, and this credential does not say when it was signed`;
  const inside = (nb === null || signedAt >= nb) && (na === null || signedAt < na);
  return inside ? null : `${kid} may sign only ${window}; this credential was signed at ${formatDateTime(signedAt)}`;
}

// ------------------------------------------------------------------------------------------
// Trust (civitas-verifier TrustPolicy::trusted_issuer_outcome)

function trustedIssuer(bundle, issuer, kind, now) {
  if (bundle.trustMode === 'anyIssuer') {
    return { outcome: 'not-applicable', detail: 'issuer trust is not checked: this verifier was set up without a trust list' };
  }
  if (bundle.trustMode !== 'list' || !bundle.trustList) {
    return { outcome: 'indeterminate', detail: 'no trust list is configured: the issuer cannot be confirmed' };
  }
  const list = bundle.trustList;
  const from = list.validFrom ? parseDateTime(list.validFrom) : null;
  const until = list.validUntil ? parseDateTime(list.validUntil) : null;
  if (from !== null && now < from) return { outcome: 'indeterminate', detail: `the trust list is only valid from ${list.validFrom}` };
  if (until !== null && now > until) return { outcome: 'indeterminate', detail: `the trust list expired on ${list.validUntil}: load a newer one` };
  const label = list.label || 'trust list';
  const entry = (bundle.issuers || []).find((i) => i.id === issuer);
  if (!entry) return { outcome: 'failed', detail: `${issuer} is not on the trust list ${label}` };
  const name = entry.label || entry.name || entry.id;
  const types = entry.documentTypes || [];
  if (!types.includes(kind)) {
    return { outcome: 'failed', detail: `${name} is trusted to issue ${types.join(', ')} only, not ${kind}` };
  }
  if (!(bundle.profiles || []).some((p) => p.type === kind)) {
    return { outcome: 'failed', detail: `this verifier has no profile for ${kind}: it learns a document type from a bundle whose trust list pins the type's profile` };
  }
  const mismatch = entry.profileMismatch && entry.profileMismatch[kind];
  if (mismatch) return { outcome: 'failed', detail: mismatch };
  return { outcome: 'ok', detail: `${name} is trusted for ${kind} by ${label}` };
}

// ------------------------------------------------------------------------------------------
// Status (civitas-status CredentialStatus, offline freshness rules)

const listCache = new WeakMap();

function listBits(list) {
  let cached = listCache.get(list);
  if (cached) return cached;
  const encoded = typeof list.encodedList === 'string' ? list.encodedList : '';
  if (!encoded.startsWith('u')) throw new Error('the encodedList is not multibase base64url (`u…`)');
  const gz = base64UrlDecode(encoded.slice(1));
  if (!gz) throw new Error('the encodedList is not base64url');
  const inflater = new Inflate({ chunkSize: 64 * 1024 });
  let total = 0;
  const chunks = [];
  inflater.onData = (c) => {
    total += c.length;
    if (total > MAX_STATUS_LIST_BYTES) throw new Error('the status list is too large');
    chunks.push(c.slice());
  };
  inflater.push(gz, true);
  if (inflater.err || !inflater.ended) throw new Error('the encodedList is not GZIP');
  const bits = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bits.set(c, at);
    at += c.length;
  }
  cached = bits;
  listCache.set(list, cached);
  return cached;
}

function staleReason(bundle, list, now) {
  const until = list.validUntil ? parseDateTime(list.validUntil) : null;
  const from = list.validFrom ? parseDateTime(list.validFrom) : null;
  if (until !== null && now > until) return `the list expired on ${list.validUntil}`;
  if (from !== null && now < from) return `the list is only valid from ${list.validFrom}`;
  const fetched = parseDateTime(list.fetchedAt);
  const maxAge = bundle.maxStatusAgeSeconds;
  if (typeof maxAge === 'number' && fetched !== null && now - fetched > maxAge * 1000) {
    return `the snapshot was fetched at ${list.fetchedAt}, more than ${human(maxAge)} ago`;
  }
  const maxListAge = bundle.maxListAgeSeconds;
  if (typeof maxListAge === 'number' && (from === null || now - from > maxListAge * 1000)) {
    return `the list was issued ${list.validFrom ? `at ${list.validFrom}` : 'at an unknown time'}, more than ${human(maxListAge)} ago`;
  }
  return null;
}

function human(seconds) {
  if (seconds % 86400 === 0) return `${seconds / 86400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  if (seconds % 60 === 0) return `${seconds / 60} minute(s)`;
  return `${seconds} second(s)`;
}

function parseIndex(value) {
  if (typeof value !== 'string') return { error: 'it must be a string of base-10 digits' };
  if (value === '') return { error: 'it is empty' };
  if (value.startsWith('-')) return { error: 'it is negative; indexes start at 0' };
  if (!/^[0-9]+$/.test(value)) return { error: 'it must be a base-10 integer made of the digits 0-9 only' };
  const n = BigInt(value);
  if (n > 18446744073709551615n) return { error: 'it is too large' };
  return { index: n };
}

const PARTICIPLE = { revocation: 'revoked', suspension: 'suspended', message: 'flagged', refresh: 'due for refresh' };

function checkEntry(position, entry, issuer, bundle, now) {
  const purpose = typeof entry.statusPurpose === 'string' && STATUS_PURPOSES.includes(entry.statusPurpose) ? entry.statusPurpose : null;
  const listUrl = typeof entry.statusListCredential === 'string' ? entry.statusListCredential : null;
  const check = { position, purpose, listUrl, index: null, state: 'missing' };
  if (entry.type !== STATUS_ENTRY_TYPE && !(Array.isArray(entry.type) && entry.type.includes(STATUS_ENTRY_TYPE))) {
    check.state = 'unsupported';
    check.entryType = String(entry.type);
    return check;
  }
  if (!purpose) return { ...check, state: 'invalid', error: `statusPurpose \`${entry.statusPurpose}\` is not known` };
  const parsed = parseIndex(entry.statusListIndex);
  if (parsed.error) return { ...check, state: 'invalid', error: `statusListIndex \`${entry.statusListIndex}\` is not valid: ${parsed.error}` };
  if (!isUrl(listUrl)) return { ...check, state: 'invalid', error: 'statusListCredential must be a URL' };
  if (entry.id !== undefined) {
    if (!isUrl(entry.id)) return { ...check, state: 'invalid', error: 'id must be a URL' };
    if (entry.id === listUrl) {
      return { ...check, state: 'invalid', error: 'id must not be the URL of the status list (use e.g. <list URL>#<index>)' };
    }
  }
  check.index = parsed.index;
  const list = (bundle.statusLists || []).find((l) => l.url === listUrl);
  if (!list) return check;
  let value;
  try {
    if (list.issuer !== issuer) {
      throw new Error(`the status list ${list.url} was issued by ${list.issuer}, not by the credential's issuer ${issuer}`);
    }
    const purposes = Array.isArray(list.purposes) ? list.purposes : [list.purpose];
    if (!purposes.includes(purpose)) {
      throw new Error(`the status list ${list.url} is for ${purposes.join(', ')}, not ${purpose}`);
    }
    const bits = listBits(list);
    const size = 1n;
    const start = parsed.index * size;
    if (start + size > BigInt(bits.length) * 8n) {
      throw new Error(`index ${parsed.index} is out of range: the list has ${bits.length * 8} entries`);
    }
    const p = Number(start);
    value = (bits[p >> 3] >> (7 - (p & 7))) & 1;
  } catch (e) {
    return { ...check, state: 'invalid', error: e && e.message ? e.message : String(e) };
  }
  const stale = staleReason(bundle, list, now);
  if (stale) return { ...check, state: 'stale', reason: stale, value };
  return { ...check, state: value === 0 ? 'clear' : 'set', value };
}

function statusOutcome(entries, purpose) {
  const mine = entries.filter((e) => e.purpose === purpose);
  if (mine.length === 0) return { outcome: 'not-applicable', detail: `the credential has no ${purpose} status entry` };
  const failed = [];
  const unknown = [];
  const passed = [];
  for (const e of mine) {
    const place = e.index !== null && e.listUrl ? `index ${e.index} of status list ${e.listUrl}`
      : e.listUrl ? `an entry of status list ${e.listUrl}` : `credentialStatus entry ${e.position}`;
    switch (e.state) {
      case 'clear':
        passed.push(`not ${PARTICIPLE[purpose]}: ${place} is clear`);
        break;
      case 'set':
        failed.push(`${PARTICIPLE[purpose]}: ${place} is set`);
        break;
      case 'stale':
        if (e.value !== 0 && purpose === 'revocation') {
          failed.push(`revoked: ${place} is set (the list is stale: ${e.reason}; but revocation is final)`);
        } else if (e.value !== 0) {
          unknown.push(`${place} was ${PARTICIPLE[purpose]} but the list is stale: ${e.reason}`);
        } else {
          unknown.push(`${place} cannot be confirmed: the list is stale: ${e.reason}`);
        }
        break;
      case 'missing':
        unknown.push(`${place} cannot be checked: the status list is not available`);
        break;
      case 'invalid':
        failed.push(`${place}: ${e.error}`);
        break;
      default:
        unknown.push(`${place} cannot be checked: status entries of type ${e.entryType} are not supported (only ${STATUS_ENTRY_TYPE})`);
    }
  }
  if (failed.length) return { outcome: 'failed', detail: failed.join('; ') };
  if (unknown.length) return { outcome: 'indeterminate', detail: unknown.join('; ') };
  return { outcome: 'ok', detail: passed.join('; ') };
}

// ------------------------------------------------------------------------------------------
// Schema: the profile's JSON Schema (the keywords civitas-profile writes), without eval.

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const regexCache = new Map();
function regex(source) {
  if (!regexCache.has(source)) {
    let re = null;
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = null;
    }
    regexCache.set(source, re);
  }
  return regexCache.get(source);
}

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'definitions', 'title', 'description', '$comment', 'examples', 'default', 'format', 'readOnly', 'writeOnly', 'deprecated']);

/** The first violation of `schema` by `value` (a JSON pointer and a reason), or null. */
export function schemaViolation(root, schema, value, pointer = '') {
  if (schema === true || schema === undefined) return null;
  if (schema === false) return { pointer, reason: 'is not allowed' };
  const v = (reason) => ({ pointer, reason });
  for (const [keyword, arg] of Object.entries(schema)) {
    let r = null;
    switch (keyword) {
      case '$ref': {
        const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(arg);
        const target = m ? root[m[1]] && root[m[1]][m[2].replace(/~1/g, '/').replace(/~0/g, '~')] : arg === '#' ? root : undefined;
        if (target === undefined) return v(`unknown reference ${arg}`);
        r = schemaViolation(root, target, value, pointer);
        break;
      }
      case 'type': {
        const types = [].concat(arg);
        const t = typeOf(value);
        if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) r = v(`must be of type ${types.join(' or ')}`);
        break;
      }
      case 'const':
        if (!deepEqual(value, arg)) r = v(`must be ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!arg.some((x) => deepEqual(x, value))) r = v(`must be one of ${arg.map((x) => JSON.stringify(x)).join(', ')}`);
        break;
      case 'pattern':
        if (typeof value === 'string') {
          const re = regex(arg);
          if (!re) r = v(`cannot check the pattern ${arg}`);
          else if (!re.test(value)) r = v(`does not match ${arg}`);
        }
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < arg) r = v(`is shorter than ${arg} characters`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > arg) r = v(`is longer than ${arg} characters`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < arg) r = v(`is less than ${arg}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > arg) r = v(`is more than ${arg}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= arg) r = v(`must be more than ${arg}`);
        break;
      case 'exclusiveMaximum':
        if (typeof value === 'number' && value >= arg) r = v(`must be less than ${arg}`);
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          const missing = arg.find((k) => !Object.prototype.hasOwnProperty.call(value, k));
          if (missing !== undefined) r = v(`\`${missing}\` is required`);
        }
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [k, s] of Object.entries(arg)) {
            if (Object.prototype.hasOwnProperty.call(value, k)) {
              r = schemaViolation(root, s, value[k], `${pointer}/${k}`);
              if (r) break;
            }
          }
        }
        break;
      case 'patternProperties':
        if (typeOf(value) === 'object') {
          for (const [p, s] of Object.entries(arg)) {
            const re = regex(p);
            for (const k of Object.keys(value)) {
              if (re && re.test(k)) r = r || schemaViolation(root, s, value[k], `${pointer}/${k}`);
            }
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = Object.keys(schema.properties || {});
          const patterns = Object.keys(schema.patternProperties || {}).map(regex);
          for (const k of Object.keys(value)) {
            if (known.includes(k) || patterns.some((re) => re && re.test(k))) continue;
            r = arg === false ? { pointer: `${pointer}/${k}`, reason: 'is not allowed here' } : schemaViolation(root, arg, value[k], `${pointer}/${k}`);
            if (r) break;
          }
        }
        break;
      case 'propertyNames':
        if (typeOf(value) === 'object') {
          for (const k of Object.keys(value)) {
            r = schemaViolation(root, arg, k, `${pointer}/${k}`);
            if (r) break;
          }
        }
        break;
      case 'minProperties':
        if (typeOf(value) === 'object' && Object.keys(value).length < arg) r = v(`must have at least ${arg} member(s)`);
        break;
      case 'maxProperties':
        if (typeOf(value) === 'object' && Object.keys(value).length > arg) r = v(`must have at most ${arg} member(s)`);
        break;
      case 'items':
        if (Array.isArray(value)) {
          const start = Array.isArray(schema.prefixItems) ? schema.prefixItems.length : 0;
          for (let i = start; i < value.length && !r; i++) r = schemaViolation(root, arg, value[i], `${pointer}/${i}`);
        }
        break;
      case 'prefixItems':
        if (Array.isArray(value)) {
          for (let i = 0; i < Math.min(arg.length, value.length) && !r; i++) r = schemaViolation(root, arg[i], value[i], `${pointer}/${i}`);
        }
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < arg) r = v(`must have at least ${arg} item(s)`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > arg) r = v(`must have at most ${arg} item(s)`);
        break;
      case 'uniqueItems':
        if (arg && Array.isArray(value) && value.some((x, i) => value.findIndex((y) => deepEqual(x, y)) !== i)) r = v('has repeated items');
        break;
      case 'contains':
        if (Array.isArray(value) && !value.some((x) => !schemaViolation(root, arg, x, pointer))) r = v(`must contain ${JSON.stringify(arg)}`);
        break;
      case 'allOf':
        for (const s of arg) {
          r = schemaViolation(root, s, value, pointer);
          if (r) break;
        }
        break;
      case 'anyOf':
        if (!arg.some((s) => !schemaViolation(root, s, value, pointer))) r = v('matches none of the allowed forms');
        break;
      case 'oneOf': {
        const n = arg.filter((s) => !schemaViolation(root, s, value, pointer)).length;
        if (n !== 1) r = v(n === 0 ? 'matches none of the allowed forms' : 'matches more than one form');
        break;
      }
      case 'not':
        if (!schemaViolation(root, arg, value, pointer)) r = v('is not allowed');
        break;
      case 'if': {
        const then = !schemaViolation(root, arg, value, pointer) ? schema.then : schema.else;
        if (then !== undefined) r = schemaViolation(root, then, value, pointer);
        break;
      }
      case 'then':
      case 'else':
        break;
      default:
        if (!ANNOTATIONS.has(keyword)) r = v(`the schema keyword \`${keyword}\` is not supported by this verifier`);
    }
    if (r) return r;
  }
  return null;
}

function schemaCheck(credential, profile) {
  if (!profile || !profile.schema) {
    return { outcome: 'not-applicable', detail: `schema ${credential.credentialSchema.id} is not bundled with civitas; not checked` };
  }
  const violation = schemaViolation(profile.schema, profile.schema, credential);
  if (violation) return { outcome: 'failed', detail: `${violation.pointer || '/'}: ${violation.reason}` };
  return { outcome: 'ok', detail: `valid against ${profile.schemaUrl} (the profile's cross-field rules are checked by the server only)` };
}

// ------------------------------------------------------------------------------------------
// The report

const ORDER = ['syntax', 'signature', 'issuerBinding', 'validityPeriod', 'schema', 'trustedIssuer', 'revocation', 'suspension'];

function report(checks, document) {
  checks.sort((a, b) => ORDER.indexOf(a.check) - ORDER.indexOf(b.check));
  const failed = checks.find((c) => c.outcome === 'failed');
  const unknown = checks.find((c) => c.outcome === 'indeterminate');
  const verdict = failed ? 'invalid' : unknown ? 'indeterminate' : 'valid';
  const first = failed || unknown;
  return { verdict, reason: first ? first.detail : null, checks, document };
}

function syntaxFailure(message) {
  return report([{ check: 'syntax', outcome: 'failed', detail: message }], null);
}

/** Whether `text` looks like a compact credential (starts with a `CV<n>:` prefix). */
export function looksLikeCompact(text) {
  return typeof text === 'string' && /^CV[0-9]+:/.test(text.replace(/^[\r\n\t]+/, ''));
}

/** Reads a CV1 text: prefix, Base45, inflation (capped), COSE_Sign1 and claims. Throws CompactError. */
export function decodeCompact(input, bundle) {
  if (typeof input !== 'string') fail('the input is not text');
  if (input.length > MAX_INPUT_CHARS) fail(`the compact text is ${input.length} characters, more than the ${MAX_TEXT_CHARS} a QR code can hold`);
  const textIn = input.replace(/^[\r\n\t]+|[\r\n\t]+$/g, '');
  const byteLength = new TextEncoder().encode(textIn).length;
  if (byteLength > MAX_TEXT_CHARS) fail(`the compact text is ${byteLength} characters, more than the ${MAX_TEXT_CHARS} a QR code can hold`);
  if (!textIn.startsWith(PREFIX)) {
    const m = /^CV[0-9]+:/.exec(textIn);
    if (m) fail(`compact credential version \`${m[0]}\` is not supported (this verifier reads ${PREFIX})`);
    fail(`not a civitas compact credential: it does not start with \`${PREFIX}\` (found ${JSON.stringify([...textIn].slice(0, 8).join(''))})`);
  }
  const compressed = base45Decode(textIn.slice(PREFIX.length));
  const message = inflateCanonical(compressed, MAX_INFLATED_BYTES);
  const sign1 = parseSign1(message);
  const { documentType, credential } = decodeClaims(sign1.payload, sign1.kid, bundle);
  return { sign1, documentType, credential };
}

/**
 * Verifies a CV1 compact credential against a CivitasBrowserBundle, as `civitas verify` does
 * offline. Never throws.
 * @param {string} text the QR text (`CV1:…`)
 * @param {object} bundle the CivitasBrowserBundle
 * @param {Date} [now]
 * @returns {Promise<{verdict: string, reason: string|null, checks: Array, document: object|null}>}
 */
export async function verifyCompact(text, bundle, now = new Date()) {
  try {
    return verifyCompactSync(text, bundle, now);
  } catch (e) {
    return syntaxFailure(`this verifier failed on the input: ${e && e.message ? e.message : String(e)}`);
  }
}

function verifyCompactSync(text, bundle, now) {
  const at = now instanceof Date ? now.getTime() : Number(now);
  if (!bundle || typeof bundle !== 'object' || bundle.type !== 'CivitasBrowserBundle') {
    return report([{ check: 'syntax', outcome: 'indeterminate', detail: 'no offline data is stored: connect once to download it' }], null);
  }
  let decoded;
  try {
    decoded = decodeCompact(text, bundle);
  } catch (e) {
    if (e instanceof CompactError) return syntaxFailure(e.message);
    throw e;
  }
  const { sign1, documentType, credential } = decoded;
  const profile = (bundle.profiles || []).find((p) => p.type === documentType) || null;
  const issuer = credential.issuer;
  const issuerEntry = (bundle.issuers || []).find((i) => i.id === issuer);
  const document = {
    types: credential.type,
    type: documentType,
    issuer,
    issuerName: issuerEntry ? issuerEntry.name || null : null,
    id: credential.id || null,
    validFrom: credential.validFrom || null,
    validUntil: credential.validUntil || null,
    subject: credential.credentialSubject,
    credential,
  };
  const modelError = dataModelError(credential);
  if (modelError) return report([{ check: 'syntax', outcome: 'failed', detail: modelError }], document);
  const checks = [];
  const push = (check, r) => checks.push({ check, outcome: r.outcome, detail: r.detail });
  push('syntax', { outcome: 'ok', detail: 'VC Data Model 2.0' });
  push('signature', verifySignature(sign1, bundle));
  let binding = issuerBinding(issuer, sign1.kid, bundle);
  const from = credential.validFrom !== undefined ? parseDateTime(credential.validFrom) : null;
  const until = credential.validUntil !== undefined ? parseDateTime(credential.validUntil) : null;
  if (from !== null && at < from) push('validityPeriod', { outcome: 'failed', detail: `not valid yet: valid from ${formatDateTime(from)}` });
  else if (until !== null && at > until) push('validityPeriod', { outcome: 'failed', detail: `expired on ${formatDateTime(until)}` });
  else {
    push('validityPeriod', {
      outcome: 'ok',
      detail: until !== null ? `valid until ${formatDateTime(until)}` : from !== null ? `valid since ${formatDateTime(from)}, no expiry` : 'no validity period',
    });
  }
  push('schema', schemaCheck(credential, profile));
  push('trustedIssuer', trustedIssuer(bundle, issuer, documentType, at));
  if (binding.outcome === 'ok') {
    const window = keyWindowFailure(bundle, issuer, sign1.kid, from);
    if (window) binding = { outcome: 'failed', detail: window };
  }
  push('issuerBinding', binding);
  const entries = credential.credentialStatus === undefined ? [] : [].concat(credential.credentialStatus);
  const states = entries.map((e, i) => checkEntry(i, e, issuer, bundle, at));
  push('revocation', statusOutcome(states, 'revocation'));
  push('suspension', statusOutcome(states, 'suspension'));
  return report(checks, document);
}
