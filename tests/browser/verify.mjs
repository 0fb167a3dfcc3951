// The public verifier page, /verify, as a clerk at a counter uses it on a phone-sized screen.
//
//   node verify.mjs --step upload --base URL --cert PEM --profile DIR --image FILE --expect valid|invalid
//                   --label NAME [--lang fr] [--docs DIR --docs-name verify.png] [--shots DIR]
//       opens /verify (in French through the page's language link with --lang fr), uploads the
//       image (the printed certificate's picture), submits, and reads #verdict[data-verdict];
//       also reports the browser bundle the page stored in IndexedDB (a refresh shows as a newer
//       `madeAt` and changed status lists).
//   node verify.mjs --step offline-prepare --base URL --cert PEM --profile DIR
//       loads /verify online once and waits until the service worker is active, /verify is in
//       its cache and the bundle is stored.
//   node verify.mjs --step offline --base URL --cert PEM --profile DIR --valid-text FILE --revoked-text FILE [--revoked-image PNG]
//       with the network cut (context offline; the runner has also stopped the service), reloads
//       /verify from the service worker and verifies the two CV1 texts in the browser against the
//       stored bundle: VALID, then NOT VALID.
//
// Prints one JSON line (see lib.mjs); exits 1 with a message and a screenshot on any failure.

import fs from 'node:fs';

import { PHONE, check, options, required, scenario, visit } from './lib.mjs';

const opts = options([
  'step',
  'base',
  'cert',
  'profile',
  'shots',
  'docs',
  'docs-name',
  'image',
  'expect',
  'label',
  'lang',
  'valid-text',
  'revoked-text',
  'revoked-image',
  'video',
]);
const step = required(opts, 'step');
const base = required(opts, 'base').replace(/\/$/, '');

/** What the page must say for each verdict, by language. */
const WORDS = {
  en: { valid: 'VALID', invalid: 'NOT VALID', indeterminate: 'CANNOT BE DECIDED' },
  fr: { valid: 'VALIDE', invalid: 'NON VALIDE', indeterminate: 'IMPOSSIBLE DE DÉCIDER' },
};

/** The form of the contract, all there. */
async function expectForm(page) {
  for (const sel of ['#verify-form', '#document', '#text', '#verify-button']) {
    check((await page.locator(sel).count()) === 1, `/verify has no ${sel}`);
  }
  const form = page.locator('#verify-form');
  check((await form.getAttribute('method'))?.toLowerCase() === 'post', '#verify-form is not method=post');
  check((await form.getAttribute('action')) === '/verify', '#verify-form does not post to /verify');
  // what is `hidden` is not shown (a stylesheet's `display` must not override the attribute)
  // (one evaluation: the page's script may unhide #offline meanwhile)
  const shownHidden = await page.evaluate(() =>
    [...document.querySelectorAll('[hidden]')]
      .filter((e) => e.getClientRects().length > 0)
      .map((e) => (e.id ? `#${e.id}` : e.tagName.toLowerCase())),
  );
  check(shownHidden.length === 0, `elements with the hidden attribute are shown: ${shownHidden.join(', ')} (CSS display overrides [hidden])`);
  check(
    (await page.locator('link[rel="manifest"]').getAttribute('href')) === '/verify/manifest.webmanifest',
    '/verify has no <link rel=manifest href=/verify/manifest.webmanifest>',
  );
}

/**
 * The bundle the page stored in IndexedDB (db `civitas-verify`, store `bundles`, key `current`),
 * summarised: its `madeAt`, and per status list a digest of `encodedList`. `null` when nothing is
 * stored (the database is never created here: a missing one is only looked for).
 */
async function storedBundle(page) {
  return page.evaluate(async () => {
    if (!indexedDB.databases) return null;
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'civitas-verify')) return null;
    const value = await new Promise((resolve) => {
      const req = indexedDB.open('civitas-verify');
      req.onerror = () => resolve(null);
      req.onsuccess = () => {
        const db = req.result;
        try {
          if (!db.objectStoreNames.contains('bundles')) {
            db.close();
            resolve(null);
            return;
          }
          const get = db.transaction('bundles').objectStore('bundles').get('current');
          get.onsuccess = () => {
            db.close();
            resolve(get.result ?? null);
          };
          get.onerror = () => {
            db.close();
            resolve(null);
          };
        } catch {
          db.close();
          resolve(null);
        }
      };
    });
    if (value == null) return null;
    let record = typeof value === 'string' ? JSON.parse(value) : value;
    let bundle = record.type === 'CivitasBrowserBundle' ? record : (record.bundle ?? record.json ?? record.data);
    if (typeof bundle === 'string') bundle = JSON.parse(bundle);
    if (!bundle || bundle.type !== 'CivitasBrowserBundle') return { unreadable: Object.keys(record) };
    const digest = async (text) => {
      const bytes = new TextEncoder().encode(text ?? '');
      const hash = await crypto.subtle.digest('SHA-256', bytes);
      return Array.from(new Uint8Array(hash).slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
    };
    const statusLists = [];
    for (const s of bundle.statusLists ?? []) {
      statusLists.push({ url: s.url, purpose: s.purpose, fetchedAt: s.fetchedAt, digest: await digest(s.encodedList) });
    }
    const storedAt = record === bundle ? null : (record.fetchedAt ?? record.storedAt ?? record.savedAt ?? null);
    return {
      madeAt: bundle.madeAt,
      storedAt: storedAt instanceof Date ? storedAt.toISOString() : storedAt,
      issuers: (bundle.issuers ?? []).map((i) => i.id),
      statusLists,
    };
  });
}

/**
 * Waits until a bundle made at or after `after` (a Date: the page's load, so that a bundle left
 * by an earlier step does not count) is stored; the last one seen (or `null`) after `ms`.
 */
async function waitForBundle(page, { ms, after }) {
  const until = Date.now() + ms;
  // madeAt may be written to the second
  const since = after.getTime() - 1500;
  for (;;) {
    const b = await storedBundle(page).catch(() => null);
    if (b && b.madeAt && Date.parse(b.madeAt) >= since) return b;
    if (Date.now() > until) return b && b.madeAt ? { ...b, stale: true } : null;
    await page.waitForTimeout(250);
  }
}

/** Submits the form and reads the verdict, the content and the checks shown. */
async function submitAndRead(page, lang) {
  await Promise.all([
    page.waitForSelector('#verdict', { state: 'attached', timeout: 45_000 }),
    page.locator('#verify-button').click(),
  ]);
  await page.waitForLoadState('load');
  const verdict = page.locator('#verdict');
  const result = {
    verdict: await verdict.getAttribute('data-verdict'),
    text: (await verdict.innerText()).trim(),
    inResultSection: (await page.locator('#result #verdict').count()) === 1,
    liveRegion: await page.locator('#result').getAttribute('aria-live'),
    fields: await page.locator('#document-content dt').allInnerTexts(),
    checks: await page.locator('#checks li[data-check]').evaluateAll((items) =>
      items.map((li) => ({
        check: li.getAttribute('data-check'),
        outcome: (li.className.match(/outcome-([a-z-]+)/) || [])[1] ?? null,
      })),
    ),
    lang,
  };
  return result;
}

/** Fails unless `result` says `expect` in `lang`, as the contract words it. */
function expectVerdict(result, expect, lang, where) {
  const words = WORDS[lang];
  check(
    result.verdict === expect,
    `${where}: #verdict[data-verdict] is ${JSON.stringify(result.verdict)}, expected ${expect} (text: ${JSON.stringify(result.text)})`,
  );
  check(
    result.text.startsWith(words[expect]),
    `${where}: the verdict's text should start with ${words[expect]}: ${JSON.stringify(result.text)}`,
  );
}

async function upload(run) {
  const image = required(opts, 'image');
  const expect = required(opts, 'expect');
  const label = required(opts, 'label');
  const lang = opts.lang ?? 'en';
  check(fs.existsSync(image), `no image at ${image}`);
  const page = await run.launch({ viewport: PHONE });
  const loadedAt = new Date();
  await visit(page, `${base}/verify?lang=en`);
  if (lang === 'fr') {
    // the page's own language link, as a clerk would use it
    await Promise.all([page.waitForURL(/lang=fr/), page.locator('header .lang a[hreflang="fr"]').click()]);
    check((await page.locator('html').getAttribute('lang')) === 'fr', 'the French page is not <html lang=fr>');
    run.step('switched to French');
  }
  await expectForm(page);
  await run.axe(`verify${lang === 'fr' ? ' (French)' : ''}`);
  // the page fetches the current bundle at load: wait for it (a refresh after a revocation)
  const bundle = await waitForBundle(page, { ms: 15_000, after: loadedAt });
  run.step(bundle ? `bundle stored (made ${bundle.madeAt}${bundle.stale ? ', not refreshed' : ''})` : 'no bundle stored');
  await run.shot(`${label}-form`);
  await page.locator('#document').setInputFiles(image);
  const result = await submitAndRead(page, lang);
  run.step(`verdict ${result.verdict}`);
  expectVerdict(result, expect, lang, `uploading ${image}`);
  check(result.inResultSection, '#verdict is not inside <section id="result">');
  check(result.liveRegion === 'polite', '#result is not aria-live="polite"');
  check(result.checks.length > 0, 'no #checks li[data-check] on the result page');
  if (expect === 'valid') {
    check(result.fields.length > 0, 'no #document-content fields on a VALID result');
    const failed = result.checks.filter((c) => c.outcome !== 'ok' && c.outcome !== 'not-applicable');
    check(failed.length === 0, `a VALID result lists checks that are not ok: ${JSON.stringify(failed)}`);
  } else if (expect === 'invalid') {
    const revocation = result.checks.find((c) => c.check === 'revocation');
    check(revocation && revocation.outcome === 'failed', `NOT VALID but the revocation check is not failed: ${JSON.stringify(result.checks)}`);
  }
  await run.axe(`verify result ${expect}${lang === 'fr' ? ' (French)' : ''}`);
  await run.shot(label, { docsName: opts['docs-name'] ?? null });
  return { verdict: result.verdict, text: result.text, checks: result.checks, fields: result.fields, bundle };
}

async function offlinePrepare(run) {
  const page = await run.launch({ viewport: PHONE });
  const loadedAt = new Date();
  await visit(page, `${base}/verify?lang=en`);
  await expectForm(page);
  // the service worker is active and has /verify in its cache; the bundle is stored
  const sw = await page.evaluate(async () => {
    if (!('serviceWorker' in navigator)) return { error: 'no navigator.serviceWorker' };
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 20_000));
    const reg = await Promise.race([navigator.serviceWorker.ready, timeout]);
    if (!reg) return { error: 'no service worker became ready in 20 s' };
    return { scope: reg.scope, script: reg.active?.scriptURL ?? null };
  });
  check(!sw.error, `service worker: ${sw.error}`);
  check(new URL(sw.scope).pathname.startsWith('/verify'), `service worker scope ${sw.scope} is not /verify`);
  run.step(`service worker active (${sw.script})`);
  const cached = await page.evaluate(async () => {
    for (let i = 0; i < 80; i++) {
      if (await caches.match('/verify', { ignoreSearch: true })) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  });
  check(cached, 'the service worker did not cache /verify in 20 s');
  const bundle = await waitForBundle(page, { ms: 20_000, after: loadedAt });
  check(bundle && !bundle.unreadable && !bundle.stale, `no browser bundle stored in IndexedDB civitas-verify/bundles/current: ${JSON.stringify(bundle)}`);
  run.step(`bundle stored (made ${bundle.madeAt})`);
  await run.shot('verify-online');
  return { serviceWorker: sw, bundle };
}

async function offline(run) {
  const valid = fs.readFileSync(required(opts, 'valid-text'), 'utf8').trim();
  const revoked = fs.readFileSync(required(opts, 'revoked-text'), 'utf8').trim();
  const page = await run.launch({ viewport: PHONE });
  await run.context.setOffline(true);
  run.step('network cut');
  const texts = { valid, invalid: revoked };
  const results = {};
  let bundleAge = null;
  for (const expect of ['valid', 'invalid']) {
    // served by the service worker from its cache: the service is not even running
    await page.goto(`${base}/verify`, { waitUntil: 'load' });
    await expectForm(page);
    if (bundleAge === null) {
      const offlineSection = page.locator('#offline');
      await offlineSection.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {});
      check(await offlineSection.isVisible(), '#offline is still hidden with the network cut (it should say which bundle is stored)');
      bundleAge = (await page.locator('#bundle-age').innerText()).trim();
      check(bundleAge.length > 0, '#bundle-age is empty');
      run.step(`offline page: ${bundleAge}`);
      await run.axe('verify (offline)');
      await run.shot('verify-offline-form');
    }
    await page.locator('#text').fill(texts[expect]);
    const result = await submitAndRead(page, 'en');
    run.step(`offline verdict ${result.verdict}`);
    expectVerdict(result, expect, 'en', `verifying the ${expect === 'valid' ? 'valid' : 'revoked'} QR text offline`);
    // the content as the server shows it: nested fields under their parent's label, with values
    // (a place or a person is never shown by its type name)
    check(result.fields.some((f) => /^Place of birth — /.test(f)),
      `the offline content does not show the place of birth's fields: ${JSON.stringify(result.fields)}`);
    const values = await page.locator('#document-content dd').allInnerTexts();
    check(!values.some((v) => ['Place', 'Person', 'CivilRegistration'].includes(v.trim())),
      `the offline content shows a type name instead of the fields: ${JSON.stringify(values)}`);
    await run.axe(`verify offline result ${expect}`);
    await run.shot(`verify-offline-${expect}`);
    results[expect] = { verdict: result.verdict, text: result.text, checks: result.checks, fields: result.fields };
  }
  if (opts['revoked-image']) {
    // the printed page's picture, its QR code read in the browser (jsQR), judged offline
    await page.goto(`${base}/verify`, { waitUntil: 'load' });
    await expectForm(page);
    await page.locator('#document').setInputFiles(opts['revoked-image']);
    const result = await submitAndRead(page, 'en');
    run.step(`offline image verdict ${result.verdict}`);
    expectVerdict(result, 'invalid', 'en', 'the printed page of a revoked certificate, offline');
    check((await page.locator('#result').getAttribute('data-source')) === 'browser',
      'the offline image was not verified in the browser');
    await run.shot('verify-offline-image-revoked');
    results.image = { verdict: result.verdict, text: result.text, checks: result.checks };
  }
  return { bundleAge, results };
}

/** The camera: Chromium's fake camera plays a video of the QR code (a Y4M file the runner
 * made); the page's Scan button reads it with jsQR and verifies what it read. */
async function camera(run) {
  const video = required(opts, 'video');
  check(fs.existsSync(video), `no video at ${video}`);
  const page = await run.launch({
    viewport: PHONE,
    extraArgs: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  await visit(page, `${base}/verify?lang=en`);
  await expectForm(page);
  const scan = page.locator('#scan');
  await scan.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {});
  check(await scan.isVisible(), '#scan is hidden although the browser has a camera');
  await Promise.all([
    page.waitForSelector('#verdict', { state: 'attached', timeout: 45_000 }),
    scan.click(),
  ]);
  await page.waitForLoadState('load');
  const verdict = await page.locator('#verdict').getAttribute('data-verdict');
  const text = (await page.locator('#verdict').innerText()).trim();
  run.step(`camera verdict ${verdict}`);
  expectVerdict({ verdict, text }, 'valid', 'en', 'scanning the QR code with the camera');
  await run.shot('verify-camera-valid');
  return { verdict, text };
}

const steps = { upload, 'offline-prepare': offlinePrepare, offline, camera };
check(steps[step], `unknown --step ${step}`);
await scenario(`verify-${step}${opts.label ? `-${opts.label}` : ''}`, opts, steps[step]);
