// Shared command-line helpers for the civitas interop scripts.
import {readFileSync} from 'node:fs';
import {basename} from 'node:path';
import {parseArgs} from 'node:util';

/** Thrown for usage / input errors: the scripts exit with code 2. */
export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Parses argv with node:util parseArgs (strict). `--context URL=FILE` is
 * always accepted (repeatable). A usage error exits with code 2.
 *
 * @param {object} spec - {options, positionals: number, usage: string}.
 * @returns {{values: object, positionals: string[]}} The parsed arguments.
 */
export function parseCli({options, positionals, usage}) {
  const script = basename(process.argv[1]);
  const fail = msg => {
    if(msg) {
      process.stderr.write(`${script}: ${msg}\n`);
    }
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        context: {type: 'string', multiple: true, default: []},
        help: {type: 'boolean', short: 'h'},
        ...options
      },
      allowPositionals: true,
      strict: true
    });
  } catch(e) {
    fail(e.message);
  }
  if(parsed.values.help) {
    fail();
  }
  if(parsed.positionals.length !== positionals) {
    fail(`expected ${positionals} positional argument(s), got ` +
      `${parsed.positionals.length}`);
  }
  for(const c of parsed.values.context) {
    const eq = c.lastIndexOf('=');
    if(eq <= 0 || eq === c.length - 1) {
      fail(`--context needs URL=FILE, got "${c}"`);
    }
  }
  return parsed;
}

/**
 * Reads and parses a JSON file ('-' = stdin).
 *
 * @param {string} path - File path or '-'.
 * @returns {any} The parsed JSON.
 */
export function readJson(path) {
  let text;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch(e) {
    throw new InputError(`cannot read "${path}": ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch(e) {
    throw new InputError(`"${path}" is not JSON: ${e.message}`);
  }
}

/**
 * `--context URL=FILE` values -> Map(URL -> parsed context document). The
 * FILE starts after the last '=' (a URL may contain '=', e.g. `?v=1`).
 *
 * @param {string[]} contextArgs - The --context values.
 * @returns {Map<string, object>} URL -> document.
 */
export function readContexts(contextArgs) {
  const extra = new Map();
  for(const c of contextArgs) {
    const eq = c.lastIndexOf('=');
    extra.set(c.slice(0, eq), readJson(c.slice(eq + 1)));
  }
  return extra;
}

/**
 * Flattens nested errors (VerificationError.errors, .cause,
 * jsonld.js details.cause) into "Name: message" strings.
 *
 * @param {any} err - An error, an array of errors, or nothing.
 * @param {string[]} [out] - Accumulator.
 * @param {Set} [seen] - Cycle guard.
 * @returns {string[]} The messages.
 */
export function collectErrors(err, out = [], seen = new Set()) {
  if(!err || seen.has(err)) {
    return out;
  }
  if(typeof err !== 'object') {
    out.push(String(err));
    return out;
  }
  seen.add(err);
  if(Array.isArray(err)) {
    err.forEach(e => collectErrors(e, out, seen));
    return out;
  }
  if(Array.isArray(err.errors) && err.errors.length > 0) {
    err.errors.forEach(e => collectErrors(e, out, seen));
  } else {
    let msg = `${err.name || 'Error'}: ${err.message ?? String(err)}`;
    // jsonld.js safe mode: say which term/value was dropped and why
    const event = err.details?.event;
    if(event?.code) {
      msg += ` (${event.code}: ${event.message ?? ''}` +
        `${event.details ? ' ' + JSON.stringify(event.details) : ''})`;
    }
    out.push(msg);
  }
  if(err.cause) {
    collectErrors(err.cause, out, seen);
  }
  if(err.details?.cause) {
    collectErrors(err.details.cause, out, seen);
  }
  return out;
}

/** Writes one JSON line to stdout and exits with `code` once it is flushed. */
export function emitAndExit(obj, code) {
  process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(code));
}
