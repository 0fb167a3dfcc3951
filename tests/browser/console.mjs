// The registrar's console, /console, as a civil status office uses it.
//
//   CIVITAS_CONSOLE_TOKEN=civ_… node console.mjs --base URL --cert PEM --revoke-id ID --csrf-id ID
//                    --save-png FILE [--profile DIR] [--shots DIR] [--docs DIR]
//
// Signs in with the token; issues a birth certificate through the profile's form with a date of
// registration in the future, sees the error next to the field, corrects it and lands on the record
// page; downloads the printed certificate (the PNG saved to --save-png for the clerk, the PDF
// through the page's download link); finds the record --revoke-id by name and revokes it with a
// reason, and sees the published notice; then, on record --csrf-id, POSTs its revoke form
// without the CSRF token, with a wrong one and from another origin (all must be 403); visits
// the audit log and the keys. axe-core checks every page.
//
// Prints one JSON line: {issuedId, birthDate, revokedId, published, csrf: {...}, cookie: {...}}.

import fs from 'node:fs';

import { DESK, check, options, required, scenario, visit } from './lib.mjs';

const opts = options(['base', 'cert', 'revoke-id', 'csrf-id', 'save-png', 'profile', 'shots', 'docs']);
const base = required(opts, 'base').replace(/\/$/, '');
// from the environment: a secret stays out of the command line
const token = process.env.CIVITAS_CONSOLE_TOKEN;
if (!token) throw new Error('CIVITAS_CONSOLE_TOKEN (the issuer token to sign in with) is not set');
const revokeId = required(opts, 'revoke-id');
const csrfId = required(opts, 'csrf-id');
const savePng = required(opts, 'save-png');

/** The birth certificate typed in the form: the profile's required fields. */
const RECORD = {
  sourceRecordId: 'CSO-B-2024-PW-004242',
  givenName: 'Aurélie',
  familyName: 'Ramsamy',
  sex: 'F',
  birthDate: '2024-02-28',
  'birthPlace.name': 'Victoria Hospital',
  'birthPlace.addressLocality': 'Candos',
  'birthPlace.addressCountry': 'MU',
  'registration.registrationNumber': 'PW/B/2024/004242',
  'registration.registrationOffice': 'Civil Status Office, Rose Hill',
  'registration.registrationDate': '2024-03-01',
  'registration.registrar': 'A. Ramdin',
};
/**
 * The one wrong field: a date of registration in the future (the profile's `not-future` rule;
 * a date of birth in the future would break two rules: registered before birth too).
 */
const WRONG = { field: 'registration.registrationDate', value: `${new Date().getUTCFullYear() + 3}-01-15` };

/** The form control of a profile field `path` (`registration.registrationNumber`). */
async function control(form, path) {
  const last = path.split('.').pop();
  const candidates = [
    path,
    path.replaceAll('.', '-'),
    path.replaceAll('.', '_'),
    path.replaceAll('.', '/'),
    path.replaceAll('.', '__'),
    `/${path.replaceAll('.', '/')}`,
    `${path}.en`,
    `${path}-en`,
    `${path}[en]`,
  ];
  for (const name of candidates) {
    const found = form.locator(`[name="${name}"]`);
    if ((await found.count()) > 0) return found.first();
  }
  const names = await form.locator('input, select, textarea').evaluateAll((els) => els.map((e) => e.name));
  throw new Error(`the issue form has no control for ${path} (${last}); its controls: ${names.join(', ')}`);
}

async function fill(form, path, value) {
  const c = await control(form, path);
  const tag = await c.evaluate((e) => e.tagName.toLowerCase());
  if (tag === 'select') await c.selectOption(value);
  else await c.fill(value);
  return c;
}

/** The issue form on the page. */
function issueForm(page) {
  return page.locator('#issue-form');
}

async function submit(page, form) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('#issue-button').click()]);
}

await scenario('console', opts, async (run) => {
  const page = await run.launch({ viewport: DESK });

  // Sign in: /console sends a stranger to the sign-in page.
  await visit(page, `${base}/console?lang=en`);
  check(/\/console\/sign-in/.test(page.url()), `/console did not lead to the sign-in page: ${page.url()}`);
  check((await page.locator('#sign-in-form').count()) === 1, 'no #sign-in-form');
  check((await page.locator('#token').getAttribute('type')) === 'password', '#token is not a password input');
  await run.axe('sign-in');
  await run.shot('console-sign-in');
  await page.locator('#token').fill(token);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#sign-in-button').click()]);
  check(new URL(page.url()).pathname === '/console', `signing in led to ${page.url()}, not /console`);
  check(!page.url().includes(token), 'the token is in the address');
  const cookies = await run.context.cookies(`${base}/console`);
  const session = cookies.find((c) => c.name === 'civitas_console');
  check(session, `no civitas_console cookie after signing in: ${cookies.map((c) => c.name).join(', ')}`);
  check(session.httpOnly && session.secure && session.sameSite === 'Strict', `the session cookie is not HttpOnly; Secure; SameSite=Strict: ${JSON.stringify(session)}`);
  check(!session.value.includes(token), 'the session cookie holds the token');
  run.step('signed in');
  await run.axe('records');
  await run.shot('console-records');

  // Issue a birth certificate with one wrong field.
  await visit(page, `${base}/console/issue`);
  const chooser = page.locator('#document-types a', { hasText: 'Birth Certificate' });
  check((await chooser.count()) === 1, '/console/issue offers no Birth Certificate in #document-types');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), chooser.first().click()]);
  await run.axe('issue form');
  await run.shot('console-issue-form');
  let form = issueForm(page);
  for (const [path, value] of Object.entries(RECORD)) {
    await fill(form, path, path === WRONG.field ? WRONG.value : value);
  }
  await submit(page, form);
  run.step('submitted with a date of registration in the future');
  const formUrl = page.url();
  check(/\/console\/issue\/./.test(formUrl), `the wrong form was not shown again: ${formUrl}`);
  check((await issueForm(page).count()) === 1, 'no #issue-form after the error');
  form = issueForm(page);
  const wrong = await control(form, WRONG.field);
  check((await wrong.getAttribute('aria-invalid')) === 'true', `the ${WRONG.field} input is not aria-invalid="true"`);
  const describedBy = (await wrong.getAttribute('aria-describedby')) ?? '';
  const errorId = describedBy.split(/\s+/).find((id) => id.startsWith('error-'));
  check(errorId, `the ${WRONG.field} input's aria-describedby names no error: ${JSON.stringify(describedBy)}`);
  const errorText = (await page.locator(`[id="${errorId}"]`).innerText()).trim();
  check(errorText.length > 0, `#${errorId} is empty`);
  check(await page.locator(`[id="${errorId}"]`).isVisible(), `#${errorId} is not shown`);
  // only that field is wrong
  const invalid = await form.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((e) => e.name));
  check(invalid.length === 1, `more fields marked invalid than the wrong one: ${invalid.join(', ')}`);
  // what was typed is kept
  check((await (await control(form, 'familyName')).inputValue()) === RECORD.familyName, 'the form lost what was typed');
  run.step(`error shown: ${errorText}`);
  await run.axe('issue form with errors');
  await run.shot('console-issue-form-errors');
  await fill(form, WRONG.field, RECORD[WRONG.field]);
  await submit(page, form);
  const landed = new URL(page.url()).pathname.match(/^\/console\/records\/(.+)$/);
  check(landed, `issuing did not land on a record page: ${page.url()}`);
  const issuedId = decodeURIComponent(landed[1]);
  run.step(`issued ${issuedId}`);
  check((await page.locator('h1').innerText()).includes(RECORD.givenName), 'the record page title does not name the child');
  await run.axe('record page');
  await run.shot('console-record', { docsName: 'console.png' });

  // The certificate as it prints: the PNG (for the clerk) and the PDF (a download).
  const pngUrl = new URL(await page.locator('#certificate-image').getAttribute('src'), page.url()).href;
  const png = await page.request.get(pngUrl);
  check(png.ok(), `GET ${pngUrl} answered ${png.status()}`);
  check((png.headers()['content-type'] ?? '').startsWith('image/png'), `the certificate image is ${png.headers()['content-type']}`);
  const pngBytes = await png.body();
  check(pngBytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'the certificate image is not a PNG');
  fs.writeFileSync(savePng, pngBytes);
  const shown = await page.locator('#certificate-image').evaluate((img) => img.complete && img.naturalWidth > 0);
  check(shown, 'the certificate image is not shown on the record page');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#certificate-pdf').click()]);
  const pdfPath = await download.path();
  const pdf = fs.readFileSync(pdfPath);
  check(pdf.subarray(0, 5).toString('latin1') === '%PDF-', 'the downloaded certificate is not a PDF');
  run.step(`printed: PNG ${pngBytes.length} bytes, PDF ${pdf.length} bytes (${download.suggestedFilename()})`);

  // Find the other record by name and revoke it with a reason.
  await visit(page, `${base}/console`);
  await page.locator('#name').fill('Paul');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#search-button').click()]);
  check(!page.url().includes('Paul'), 'the search term is in the address');
  const link = page.locator(`#results-table a[href="/console/records/${revokeId}"]`);
  check((await link.count()) === 1, `searching "Paul" did not list record ${revokeId}: ${await page.locator('#result-count').innerText().catch(() => '?')}`);
  await run.axe('records (results)');
  await run.shot('console-search-results');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
  await page.locator('#revoke-reason').fill('Registered twice by mistake (entry PW/B/2024/001234 kept).');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#revoke-button').click()]);
  const notice = page.locator('#status-notice');
  check(await notice.isVisible(), 'no #status-notice after revoking');
  const noticeText = (await notice.innerText()).trim();
  check(/revoked/i.test(noticeText), `the notice does not say revoked: ${noticeText}`);
  const published = await page.locator('#published').getAttribute('data-published');
  check(published === 'true' || published === 'false', 'no #published[data-published] in the notice');
  check((await page.locator('#re-signed-lists li').count()) > 0, 'the notice lists no re-signed status list');
  check((await page.locator('#revoke-form').count()) === 0, 'a revoked record still offers to revoke it');
  run.step(`revoked ${revokeId} (published: ${published})`);
  await run.axe('record page (revoked)');
  await run.shot('console-revoked');

  // CSRF: the session cookie alone does not change a record.
  await visit(page, `${base}/console/records/${csrfId}`);
  check((await page.locator('#revoke-form').count()) === 1, `record ${csrfId} has no #revoke-form`);
  const sameOrigin = await page.evaluate(async () => {
    const form = document.querySelector('#revoke-form');
    const data = new URLSearchParams(new FormData(form));
    data.set('reason', 'CSRF attempt');
    const token = data.get('csrf');
    const without = new URLSearchParams(data);
    without.delete('csrf');
    const wrong = new URLSearchParams(data);
    wrong.set('csrf', token ? token.split('').reverse().join('') : 'wrong');
    // getAttribute: `form.action` is the form's input named "action"
    const target = new URL(form.getAttribute('action'), location.href).href;
    const post = (body) =>
      fetch(target, { method: 'POST', body, redirect: 'manual', credentials: 'same-origin' }).then((r) => r.status);
    return { hadToken: Boolean(token), withoutToken: await post(without), wrongToken: await post(wrong) };
  });
  check(sameOrigin.hadToken, 'the revoke form carries no csrf field');
  // from another site: the right fields and cookie, but an Origin that is not the service's
  const formFields = await page.evaluate(() => Object.fromEntries(new FormData(document.querySelector('#revoke-form'))));
  const cross = await page.request.post(`${base}/console/records/${encodeURIComponent(csrfId)}/status`, {
    form: { ...formFields, reason: 'CSRF attempt from elsewhere' },
    headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
    maxRedirects: 0,
  });
  const csrf = { ...sameOrigin, crossOrigin: cross.status() };
  check(csrf.withoutToken === 403, `a POST without the CSRF token answered ${csrf.withoutToken}, not 403`);
  check(csrf.wrongToken === 403, `a POST with a wrong CSRF token answered ${csrf.wrongToken}, not 403`);
  check(csrf.crossOrigin === 403, `a POST from another origin answered ${csrf.crossOrigin}, not 403`);
  await visit(page, `${base}/console/records/${csrfId}`);
  check((await page.locator('#revoke-form').count()) === 1, 'after the CSRF attempts the record can no longer be revoked: it changed');
  run.step('CSRF attempts refused');

  // The audit log and the keys.
  await visit(page, `${base}/console/audit`);
  await run.axe('audit');
  await run.shot('console-audit');
  await visit(page, `${base}/console/keys`);
  await run.axe('keys');
  await run.shot('console-keys');

  return {
    issuedId,
    birthDate: RECORD.birthDate,
    fieldError: errorText,
    revokedId: revokeId,
    published: published === 'true',
    csrf,
    cookie: { httpOnly: session.httpOnly, secure: session.secure, sameSite: session.sameSite, expires: session.expires },
  };
});
