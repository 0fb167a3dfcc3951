// What every scenario shares: Debian's Chromium launched headless through playwright-core with a
// persistent profile (the verifier page's service worker and IndexedDB outlive one step), the
// axe-core accessibility check, screenshots, and the one-JSON-line / non-zero-exit protocol the
// Rust runner (tests/suite/browser.rs) reads.
//
// Nothing here reaches the network: the pages are on 127.0.0.1 and Chromium is started with its
// background services off.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The flags of the issue: headless, no sandbox (containers), nothing fetched behind our back. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** A phone: the verifier page must work on one. */
export const PHONE = { width: 390, height: 844 };
/** A desk's screen: the registrar's console. */
export const DESK = { width: 1280, height: 900 };

/**
 * The SHA-256 (base64) of the certificate's public key, for Chromium's
 * `--ignore-certificate-errors-spki-list`: `ignoreHTTPSErrors` lets pages load from the issuer's
 * self-signed certificate, but Chromium refuses to register a service worker from an origin
 * with a certificate error; this flag makes that one certificate good, nothing else.
 */
export function spkiHash(certPemPath) {
  const cert = new crypto.X509Certificate(fs.readFileSync(certPemPath));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}

/** The axe-core impacts that fail a page. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

/** The command line: `--name value` options (all strings) and boolean flags. */
export function options(strings, flags = []) {
  const spec = {};
  for (const s of strings) spec[s] = { type: 'string' };
  for (const f of flags) spec[f] = { type: 'boolean', default: false };
  const { values } = parseArgs({ options: spec, strict: true, allowPositionals: false });
  return values;
}

/** `value` or a failure naming the missing option. */
export function required(opts, name) {
  const value = opts[name];
  if (value === undefined || value === '') throw new Error(`--${name} is required`);
  return value;
}

/** A scenario's failure: the message is what the Rust runner shows. */
export class Failure extends Error {}

/** Fails with `message` unless `condition`. */
export function check(condition, message) {
  if (!condition) throw new Failure(message);
}

/**
 * One scenario run: the browser, the page in use, screenshots, accessibility findings.
 *
 * `opts.profile`: a user-data-dir to keep between steps (created if missing; a fresh temporary
 * one, removed at the end, when not given). `opts.shots`: the directory for screenshots.
 */
export class Run {
  constructor(name, opts) {
    this.name = name;
    this.shots = opts.shots ?? path.resolve('..', '..', 'target', 'browser-screenshots');
    this.docs = opts.docs ?? null;
    this.profile = opts.profile ?? null;
    this.cert = opts.cert ?? null;
    this.ownProfile = false;
    this.context = null;
    this.page = null;
    this.a11y = []; // {page, id, impact, help, nodes}
    this.a11yChecked = [];
    this.cspViolations = [];
    this.pageErrors = [];
    this.screenshots = [];
    this.steps = [];
  }

  /** Launches Chromium (a persistent context: service workers and IndexedDB are kept). */
  async launch({ viewport = DESK, locale = 'en-GB', extraArgs = [] } = {}) {
    if (!this.profile) {
      this.profile = fs.mkdtempSync(path.join(os.tmpdir(), `civitas-browser-${this.name}-`));
      this.ownProfile = true;
    }
    fs.mkdirSync(this.profile, { recursive: true });
    const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
    const args = [...CHROMIUM_ARGS, ...extraArgs];
    if (this.cert) args.push(`--ignore-certificate-errors-spki-list=${spkiHash(this.cert)}`);
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath,
      headless: true,
      args,
      ignoreHTTPSErrors: true, // the issuer's self-signed certificate
      viewport,
      locale,
      acceptDownloads: true,
      serviceWorkers: 'allow',
      timeout: 60_000,
    });
    this.context.setDefaultTimeout(20_000);
    this.context.setDefaultNavigationTimeout(30_000);
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.watch(this.page);
    return this.page;
  }

  /** Records the page's CSP violations and uncaught script errors. */
  watch(page) {
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy/i.test(text)) {
        this.cspViolations.push({ url: page.url(), text });
      }
    });
    page.on('pageerror', (err) => {
      this.pageErrors.push({ url: page.url(), message: String(err && err.message ? err.message : err) });
    });
  }

  /** A step done, for the JSON line (what the scenario got through). */
  step(name) {
    this.steps.push(name);
    process.stderr.write(`[${this.name}] ${name}\n`);
  }

  /** A full-page screenshot `<shots>/<name>.png`; also `<docs>/<docsName>` when asked. */
  async shot(name, { docsName = null, page = this.page } = {}) {
    fs.mkdirSync(this.shots, { recursive: true });
    const file = path.join(this.shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    this.screenshots.push(file);
    if (docsName && this.docs) {
      fs.mkdirSync(this.docs, { recursive: true });
      // the README's pictures: the first screen (from the top), not an endless page
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(this.docs, docsName), fullPage: false });
    }
    return file;
  }

  /**
   * axe-core on the page as it is now, recorded under `label`. axe's source is evaluated
   * through the DevTools protocol: the pages' CSP (`script-src 'self'`) stays on.
   */
  async axe(label, page = this.page) {
    const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(source);
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      }));
    });
    this.a11yChecked.push(label);
    for (const v of result) this.a11y.push({ page: label, url: page.url(), ...v });
    return result;
  }

  /** The serious and critical accessibility violations found so far. */
  seriousA11y() {
    return this.a11y.filter((v) => FAILING_IMPACTS.has(v.impact));
  }

  async close() {
    if (this.context) {
      await this.context.close().catch(() => {});
      this.context = null;
    }
    if (this.ownProfile && this.profile) {
      fs.rmSync(this.profile, { recursive: true, force: true });
    }
  }
}

function describeA11y(list) {
  return list
    .map(
      (v) =>
        `  [${v.impact}] ${v.id} on ${v.page} (${v.url}): ${v.help}\n` +
        v.nodes.map((n) => `      ${n.target}: ${(n.summary || '').replace(/\s+/g, ' ')}`).join('\n'),
    )
    .join('\n');
}

/**
 * Runs `body(run)` as scenario `name`: prints one JSON line `{scenario, ok: true, ...result}` and
 * exits 0, or writes the failure (with a screenshot `FAILED-<name>.png`) on stderr and exits 1.
 * Serious or critical accessibility violations, CSP violations and uncaught page errors fail the
 * scenario too, all listed. A watchdog ends a stuck scenario (browser closed) after `budgetMs`.
 */
export async function scenario(name, opts, body, { budgetMs = 240_000 } = {}) {
  const run = new Run(name, opts);
  let finished = false;
  const fail = async (message) => {
    if (finished) return;
    finished = true;
    let shot = '';
    try {
      if (run.page) shot = await run.shot(`FAILED-${name}`);
    } catch {
      /* the page may be gone */
    }
    await run.close();
    process.stderr.write(
      `BROWSER SCENARIO ${name} FAILED: ${message}\n` +
        (run.page ? `  at ${safeUrl(run.page)}\n` : '') +
        (shot ? `  screenshot: ${shot}\n` : '') +
        `  steps done: ${run.steps.join(' > ') || '(none)'}\n`,
    );
    process.exit(1);
  };
  const watchdog = setTimeout(() => fail(`timed out after ${budgetMs / 1000} s`), budgetMs);
  try {
    const result = await body(run);
    const problems = [];
    const serious = run.seriousA11y();
    if (serious.length) {
      problems.push(`${serious.length} serious or critical accessibility violation(s):\n${describeA11y(serious)}`);
    }
    if (run.cspViolations.length) {
      problems.push(
        `Content Security Policy violations:\n${run.cspViolations.map((c) => `  ${c.url}: ${c.text}`).join('\n')}`,
      );
    }
    if (run.pageErrors.length) {
      problems.push(`uncaught page errors:\n${run.pageErrors.map((e) => `  ${e.url}: ${e.message}`).join('\n')}`);
    }
    if (problems.length) throw new Failure(problems.join('\n'));
    clearTimeout(watchdog);
    finished = true;
    await run.close();
    const line = {
      scenario: name,
      ok: true,
      steps: run.steps,
      a11yChecked: run.a11yChecked,
      a11yMinor: run.a11y.filter((v) => !FAILING_IMPACTS.has(v.impact)).map((v) => `${v.page}: ${v.id} (${v.impact})`),
      screenshots: run.screenshots,
      ...result,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    process.exit(0);
  } catch (e) {
    clearTimeout(watchdog);
    await fail(e instanceof Failure ? e.message : e && e.stack ? e.stack : String(e));
  }
}

function safeUrl(page) {
  try {
    return page.url();
  } catch {
    return '?';
  }
}

/** Navigates and fails on an HTTP error status (other than those `allow`ed). */
export async function visit(page, url, { allow = [] } = {}) {
  const response = await page.goto(url, { waitUntil: 'load' });
  const status = response ? response.status() : 0;
  check(
    response && (response.ok() || allow.includes(status)),
    `GET ${url} answered ${status || 'nothing'}`,
  );
  return response;
}
