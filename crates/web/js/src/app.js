// The verifier page's behaviour (/verify), over the server-rendered form: everything works
// without this script (the form posts to the server); with it the page also
//
// * scans the QR code with the device camera (#scan, #camera);
// * reads the QR code of a chosen photo or scan in the browser (jsQR), and of a PDF's first
//   page (pdf.js, rendered at 3x into a canvas);
// * verifies a CV1 QR text in the browser against the stored offline data when the device is
//   offline or the server cannot be reached, and otherwise asks the server (POST /verify) and
//   shows its result;
// * keeps the latest offline data (/verify/offline-bundle.json) in IndexedDB and says how old
//   it is (#offline, #bundle-age);
// * registers the service worker (/verify/sw.js, scope /verify) and offers installation
//   (#install).

import jsQR from 'jsqr';
import { verifyCompact, looksLikeCompact, MAX_INPUT_CHARS } from './cv1.js';

export { verifyCompact, decodeCompact, looksLikeCompact, base45Decode, inflateCanonical, DICTIONARY } from './cv1.js';

const BUNDLE_URL = '/verify/offline-bundle.json';
const DB_NAME = 'civitas-verify';
const STORE = 'bundles';
const KEY = 'current';

// ------------------------------------------------------------------------------------------
// Words, in English and French (the page's language: <html lang>)

const WORDS = {
  en: {
    valid: 'VALID',
    invalid: 'NOT VALID',
    indeterminate: 'CANNOT BE DECIDED',
    adviceValid: 'Every check passed. Compare the content below with the document shown to you.',
    adviceInvalid: 'Do not accept this document.',
    adviceIndeterminate: 'Connect to the network to refresh the offline data and verify again, or check the document another way.',
    adviceNoQr: 'No QR code was found: ask for a new photo, flat, sharp and well lit, with the whole QR code in it.',
    content: 'What the document says',
    contentWarning: 'This document is not confirmed: what it says below cannot be relied on.',
    checks: 'Checks',
    result: 'Result',
    issuedBy: 'issued by',
    notOnList: 'NOT on the trust list',
    reasonWord: 'Reason:',
    noQrWhat: 'no QR code could be read in this image',
    unreadable: 'this is not a document civitas can read',
    needsNetwork: 'the server cannot be reached, and only the QR code text (CV1:…) can be verified without it',
    adviceNetwork: 'Connect to the network and verify again, or scan the document’s QR code.',
    offlineNote: 'Verified in this browser, without the network, with the offline data from {date}.',
    bundleAge: 'Offline data from {date} ({age} old).',
    noBundle: 'No offline data is stored yet: open this page once with the network to download it.',
    issuer: 'Issuer',
    documentType: 'Document',
    validFrom: 'Valid from',
    validUntil: 'Valid until',
    id: 'Identifier',
    reading: 'Reading the document…',
    camera: 'Point the camera at the QR code.',
    cameraFailed: 'The camera cannot be used: {reason}',
    outcomes: { ok: 'passed', failed: 'failed', indeterminate: 'not decided', 'not-applicable': 'not applicable' },
    checkNames: {
      syntax: 'format', signature: 'signature', issuerBinding: 'issuer key', trustedIssuer: 'trusted issuer',
      validityPeriod: 'validity period', revocation: 'revocation', suspension: 'suspension', schema: 'schema',
    },
    units: { minute: ['minute', 'minutes'], hour: ['hour', 'hours'], day: ['day', 'days'] },
    lessThanMinute: 'less than a minute',
  },
  fr: {
    valid: 'VALIDE',
    invalid: 'NON VALIDE',
    indeterminate: 'IMPOSSIBLE DE DÉCIDER',
    adviceValid: 'Tous les contrôles sont réussis. Comparez le contenu ci-dessous avec le document présenté.',
    adviceInvalid: 'N’acceptez pas ce document.',
    adviceIndeterminate: 'Connectez-vous au réseau pour mettre à jour les données hors ligne et vérifiez à nouveau, ou vérifiez le document autrement.',
    adviceNoQr: 'Aucun code QR n’a été trouvé : demandez une nouvelle photo, à plat, nette et bien éclairée, avec tout le code QR.',
    content: 'Ce que dit le document',
    contentWarning: 'Ce document n’est pas confirmé : ce qu’il dit ci-dessous n’est pas fiable.',
    checks: 'Contrôles',
    result: 'Résultat',
    issuedBy: 'délivré par',
    notOnList: 'ABSENT de la liste de confiance',
    reasonWord: 'Raison :',
    noQrWhat: 'aucun code QR n’a pu être lu dans cette image',
    unreadable: 'ce n’est pas un document que civitas sait lire',
    needsNetwork: 'le serveur est injoignable, et seul le texte du code QR (CV1:…) peut être vérifié sans lui',
    adviceNetwork: 'Connectez-vous au réseau et vérifiez à nouveau, ou scannez le code QR du document.',
    offlineNote: 'Vérifié dans ce navigateur, sans réseau, avec les données hors ligne du {date}.',
    bundleAge: 'Données hors ligne du {date} (il y a {age}).',
    noBundle: 'Aucune donnée hors ligne n’est enregistrée : ouvrez cette page une fois avec le réseau pour les télécharger.',
    issuer: 'Émetteur',
    documentType: 'Document',
    validFrom: 'Valide à partir du',
    validUntil: 'Valide jusqu’au',
    id: 'Identifiant',
    reading: 'Lecture du document…',
    camera: 'Dirigez la caméra vers le code QR.',
    cameraFailed: 'La caméra ne peut pas être utilisée : {reason}',
    outcomes: { ok: 'réussi', failed: 'échoué', indeterminate: 'non décidé', 'not-applicable': 'sans objet' },
    checkNames: {
      syntax: 'format', signature: 'signature', issuerBinding: 'clé de l\'émetteur', trustedIssuer: 'émetteur de confiance',
      validityPeriod: 'période de validité', revocation: 'révocation', suspension: 'suspension', schema: 'schéma',
    },
    units: { minute: ['minute', 'minutes'], hour: ['heure', 'heures'], day: ['jour', 'jours'] },
    lessThanMinute: 'moins d’une minute',
  },
};

function language() {
  const lang = (typeof document !== 'undefined' && document.documentElement.lang) || 'en';
  return lang.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

const words = () => WORDS[language()];
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? String(values[k]) : ''));

/** "3 hours" / "3 heures": how long ago `ms` milliseconds is, roughly. */
export function ageText(ms, lang = language()) {
  const w = WORDS[lang];
  const minutes = Math.floor(Math.max(0, ms) / 60000);
  if (minutes < 1) return w.lessThanMinute;
  const [n, unit] = minutes < 60 ? [minutes, 'minute'] : minutes < 48 * 60 ? [Math.floor(minutes / 60), 'hour'] : [Math.floor(minutes / 1440), 'day'];
  return `${n} ${w.units[unit][n === 1 ? 0 : 1]}`;
}

function formatDate(text, lang = language()) {
  const t = Date.parse(text);
  if (Number.isNaN(t)) return text;
  try {
    return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' }).format(new Date(t));
  } catch {
    return text;
  }
}

// ------------------------------------------------------------------------------------------
// The stored offline data (IndexedDB `civitas-verify`, store `bundles`, key `current`)

function openDb() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available'));
      return;
    }
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function storedBundle() {
  try {
    const db = await openDb();
    return await new Promise((resolve) => {
      const request = db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
      request.onsuccess = () => resolve(request.result || null);
      request.onerror = () => resolve(null);
    });
  } catch {
    return null;
  }
}

async function storeBundle(record) {
  try {
    const db = await openDb();
    await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(record, KEY);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  } catch {
    // Private browsing without storage: the page still works online.
  }
}

let current = null;

/** Downloads the offline data when online and keeps it; returns what is stored. */
async function refreshBundle() {
  current = await storedBundle();
  if (navigator.onLine !== false) {
    try {
      const response = await fetch(BUNDLE_URL, { cache: 'no-cache', credentials: 'same-origin' });
      if (response.ok) {
        const bundle = await response.json();
        if (bundle && bundle.type === 'CivitasBrowserBundle') {
          current = { bundle, fetchedAt: new Date().toISOString() };
          await storeBundle(current);
        }
      }
    } catch {
      // Offline, or the server is unreachable: keep what is stored.
    }
  }
  showBundleAge();
  return current;
}

function showBundleAge() {
  const section = document.getElementById('offline');
  const age = document.getElementById('bundle-age');
  if (!section || !age) return;
  const w = words();
  if (current && current.bundle) {
    const made = current.bundle.bundleCreatedAt || current.bundle.madeAt || current.fetchedAt;
    age.textContent = fill(w.bundleAge, { date: formatDate(made), age: ageText(Date.now() - Date.parse(made)) });
    age.dataset.madeAt = made;
  } else {
    age.textContent = w.noBundle;
  }
  section.hidden = false;
}

// ------------------------------------------------------------------------------------------
// Results

function resultSection() {
  let section = document.getElementById('result');
  if (!section) {
    section = document.createElement('section');
    section.id = 'result';
    section.setAttribute('aria-live', 'polite');
    const form = document.getElementById('verify-form');
    const anchor = form && form.parentNode ? form : null;
    if (anchor) anchor.parentNode.insertBefore(section, anchor);
    else (document.querySelector('main') || document.body).appendChild(section);
  }
  return section;
}

function element(tag, attributes = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** A language map's text in `lang` (else English, else its first language); null for any other
 * value. A language map's members are all language tags with text values: an object such as a
 * place (`{type, name, addressLocality}`) is not one. */
function localized(value, lang) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys.every((k) => LANGUAGE_TAG.test(k) && typeof value[k] === 'string')) {
      return value[lang] || value.en || value[keys[0]];
    }
  }
  return null;
}

/** The subject as (label, value) rows: nested objects flattened, with the profile's labels. */
export function contentRows(subject, profile, lang) {
  const rows = [];
  const labels = (profile && profile.labels) || {};
  const values = (profile && profile.values) || {};
  const walk = (object, path, prefix) => {
    for (const [key, value] of Object.entries(object)) {
      if (key === 'type' || key === '@context') continue;
      const fieldPath = path ? `${path}.${key}` : key;
      const label = labels[fieldPath] ? labels[fieldPath][lang] || labels[fieldPath].en : key;
      const full = prefix ? `${prefix} — ${label}` : label;
      const text = localized(value, lang);
      if (text !== null) rows.push([full, text]);
      else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          const itemPrefix = value.length > 1 ? `${full} ${i + 1}` : full;
          if (item && typeof item === 'object') walk(item, `${fieldPath}[]`, itemPrefix);
          else rows.push([itemPrefix, String(item)]);
        });
      } else if (value && typeof value === 'object') {
        if (typeof value.value === 'string' && typeof value.currency === 'string' && Object.keys(value).length === 2) {
          rows.push([full, `${value.value} ${value.currency}`]);
        } else walk(value, fieldPath, full);
      } else {
        const code = String(value);
        const named = values[fieldPath] && values[fieldPath][code];
        rows.push([full, named ? named[lang] || named.en : code]);
      }
    }
  };
  if (subject && typeof subject === 'object') walk(subject, '', '');
  return rows;
}

/** Shows a report made in this browser, in the same structure as the server's result. */
export function renderReport(report, bundle, options = {}) {
  const lang = language();
  const w = WORDS[lang];
  const section = resultSection();
  section.replaceChildren();
  section.setAttribute('aria-live', 'polite');
  section.setAttribute('aria-label', w.result);
  section.dataset.source = 'browser';
  const doc = report.document;
  const profile = doc && bundle ? (bundle.profiles || []).find((p) => p.type === doc.type) : null;
  const verdict = element('p', { id: 'verdict', class: 'verdict', 'data-verdict': report.verdict });
  let what;
  if (doc) {
    const label = profile && profile.label ? profile.label[lang] || profile.label.en : doc.type;
    const entry = bundle && (bundle.issuers || []).find((i) => i.id === doc.issuer);
    what = entry ? `${label}, ${w.issuedBy} ${entry.label || entry.name || entry.id}`
      : bundle && bundle.trustMode === 'list' ? `${label}, ${w.issuedBy} ${doc.issuer} (${w.notOnList})`
        : `${label}, ${w.issuedBy} ${doc.issuer}`;
  } else {
    what = options.noQr ? w.noQrWhat : options.needsNetwork ? w.needsNetwork : w.unreadable;
  }
  verdict.append(`${w[report.verdict]} — ${what}`);
  const why = [];
  if (report.reason) {
    const first = report.checks.find((c) => c.outcome === 'failed') || report.checks.find((c) => c.outcome === 'indeterminate');
    const name = first ? w.checkNames[first.check] || first.check : '';
    why.push(`${w.reasonWord} ${name}${lang === 'fr' ? ' : ' : ': '}${report.reason}.`);
  }
  why.push(options.noQr ? w.adviceNoQr : options.needsNetwork ? w.adviceNetwork
    : report.verdict === 'valid' ? w.adviceValid : report.verdict === 'invalid' ? w.adviceInvalid : w.adviceIndeterminate);
  verdict.append(element('span', { class: 'why' }, why.join(' ')));
  section.append(verdict);
  if (bundle) {
    const made = bundle.bundleCreatedAt || bundle.madeAt;
    section.append(element('p', { class: 'hint', id: 'offline-note' }, fill(w.offlineNote, { date: formatDate(made) })));
  }
  if (doc) {
    section.append(element('h2', { id: 'content-heading' }, w.content));
    if (report.verdict !== 'valid') section.append(element('p', { class: 'hint', id: 'content-warning' }, w.contentWarning));
    const dl = element('dl', { id: 'document-content', class: 'content', 'aria-labelledby': 'content-heading' });
    const add = (label, value) => {
      dl.append(element('dt', {}, label), element('dd', {}, value));
    };
    add(w.documentType, profile && profile.label ? profile.label[lang] || profile.label.en : doc.type);
    add(w.issuer, doc.issuerName ? `${doc.issuerName} (${doc.issuer})` : doc.issuer);
    for (const [label, value] of contentRows(doc.subject, profile, lang)) add(label, value);
    if (doc.validFrom) add(w.validFrom, formatDate(doc.validFrom));
    if (doc.validUntil) add(w.validUntil, formatDate(doc.validUntil));
    if (doc.id) add(w.id, doc.id);
    section.append(dl);
  }
  section.append(element('h2', { id: 'checks-heading' }, w.checks));
  const ul = element('ul', { id: 'checks', class: 'checks', 'aria-labelledby': 'checks-heading' });
  for (const c of report.checks) {
    const li = element('li', { 'data-check': c.check, 'data-outcome': c.outcome, class: `outcome-${c.outcome}` });
    li.append(element('span', { class: 'check-name' }, w.checkNames[c.check] || c.check));
    li.append(lang === 'fr' ? ' : ' : ': ');
    li.append(element('strong', { class: 'check-outcome' }, w.outcomes[c.outcome] || c.outcome));
    if (c.detail) li.append(element('span', { class: 'check-detail' }, c.detail));
    ul.append(li);
  }
  section.append(ul);
  section.scrollIntoView({ block: 'start' });
  const focusable = document.getElementById('verdict');
  if (focusable) {
    focusable.setAttribute('tabindex', '-1');
    focusable.focus({ preventScroll: true });
  }
}

/** Shows the server's result page: its #result replaces ours. */
function showServerResult(html) {
  const page = new DOMParser().parseFromString(html, 'text/html');
  const theirs = page.getElementById('result');
  if (!theirs) return false;
  const section = resultSection();
  section.replaceChildren(...[...theirs.childNodes].map((n) => document.importNode(n, true)));
  for (const attribute of theirs.getAttributeNames()) section.setAttribute(attribute, theirs.getAttribute(attribute));
  section.dataset.source = 'server';
  section.scrollIntoView({ block: 'start' });
  const verdict = document.getElementById('verdict');
  if (verdict) {
    verdict.setAttribute('tabindex', '-1');
    verdict.focus({ preventScroll: true });
  }
  return true;
}

// ------------------------------------------------------------------------------------------
// Verifying

function formLang() {
  const input = document.querySelector('#verify-form input[name="lang"]');
  return input ? input.value : language();
}

/** Posts `body` to the server; the result is shown. False when the server cannot be reached. */
async function postToServer(body) {
  if (navigator.onLine === false) return false;
  try {
    const response = await fetch('/verify', { method: 'POST', body, credentials: 'same-origin' });
    if (response.status >= 500) return false;
    const html = await response.text();
    return showServerResult(html);
  } catch {
    return false;
  }
}

async function verifyHere(text) {
  const record = current || (await storedBundle());
  const bundle = record ? record.bundle : null;
  const report = await verifyCompact(text, bundle);
  renderReport(report, bundle);
  return report;
}

/** A QR text was found (camera, photo, PDF, or typed). */
async function handleText(text) {
  if (text.length > MAX_INPUT_CHARS) {
    return verifyHere(text);
  }
  if (looksLikeCompact(text)) {
    const body = new FormData();
    body.append('text', text);
    body.append('lang', formLang());
    if (await postToServer(body)) return null;
    return verifyHere(text);
  }
  const body = new FormData();
  body.append('text', text);
  body.append('lang', formLang());
  if (await postToServer(body)) return null;
  renderReport({ verdict: 'indeterminate', reason: null, checks: [], document: null }, null, { needsNetwork: true });
  return null;
}

function qrFromCanvas(canvas) {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const attempt = (c, w, h) => {
    const pixels = c.getImageData(0, 0, w, h);
    const code = jsQR(pixels.data, w, h, { inversionAttempts: 'attemptBoth' });
    return code && code.data ? code.data : null;
  };
  const found = attempt(context, canvas.width, canvas.height);
  if (found || Math.max(canvas.width, canvas.height) < 1200) return found;
  // Large scans: jsQR does better on a smaller picture.
  const small = document.createElement('canvas');
  const scale = 1000 / Math.max(canvas.width, canvas.height);
  small.width = Math.round(canvas.width * scale);
  small.height = Math.round(canvas.height * scale);
  const sc = small.getContext('2d', { willReadFrequently: true });
  sc.drawImage(canvas, 0, 0, small.width, small.height);
  return attempt(sc, small.width, small.height);
}

async function imageToCanvas(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  if (bitmap.close) bitmap.close();
  return canvas;
}

// pdf.js is loaded from /assets/ only when a PDF is chosen (it is most of the code's weight).
const PDFJS_URL = '/assets/pdf.mjs';

async function pdfToCanvas(file) {
  const pdfjs = await import(/* @vite-ignore */ PDFJS_URL);
  pdfjs.GlobalWorkerOptions.workerSrc = '/assets/pdf.worker.mjs';
  const data = new Uint8Array(await file.arrayBuffer());
  const task = pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, enableXfa: false });
  const pdf = await task.promise;
  try {
    const page = await pdf.getPage(1);
    const viewport = page.getViewport({ scale: 3 });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvasContext: context, canvas, viewport }).promise;
    return canvas;
  } finally {
    await pdf.destroy();
  }
}

const canvasPng = (canvas) => new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));

async function handleFile(file) {
  const type = file.type || '';
  const name = (file.name || '').toLowerCase();
  const isPdf = type === 'application/pdf' || name.endsWith('.pdf');
  if (isPdf || type.startsWith('image/')) {
    let canvas;
    try {
      canvas = isPdf ? await pdfToCanvas(file) : await imageToCanvas(file);
    } catch {
      canvas = null;
    }
    const text = canvas ? qrFromCanvas(canvas) : null;
    if (text) return handleText(text);
    // No QR code found here: the server reads images too (and explains what went wrong).
    const body = new FormData();
    const png = isPdf && canvas ? await canvasPng(canvas) : null;
    if (isPdf && png) body.append('document', png, 'page-1.png');
    else body.append('document', file, file.name);
    body.append('lang', formLang());
    if (await postToServer(body)) return null;
    renderReport({ verdict: 'indeterminate', reason: null, checks: [{ check: 'syntax', outcome: 'indeterminate', detail: 'no QR code found' }], document: null }, null, { noQr: true });
    return null;
  }
  // A credential file (JSON, JWT) or text.
  if (file.size <= 64 * 1024) {
    const text = (await file.text()).trim();
    if (looksLikeCompact(text)) return handleText(text);
  }
  const body = new FormData();
  body.append('document', file, file.name);
  body.append('lang', formLang());
  if (await postToServer(body)) return null;
  renderReport({ verdict: 'indeterminate', reason: null, checks: [], document: null }, null, { needsNetwork: true });
  return null;
}

// ------------------------------------------------------------------------------------------
// Camera

let stream = null;

function stopCamera() {
  const video = document.getElementById('camera');
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  if (video) {
    video.hidden = true;
    video.srcObject = null;
  }
}

async function startCamera() {
  const video = document.getElementById('camera');
  if (!video) return;
  const status = statusLine();
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    status.textContent = fill(words().cameraFailed, { reason: e && e.message ? e.message : String(e) });
    return;
  }
  video.setAttribute('playsinline', '');
  video.muted = true;
  video.srcObject = stream;
  video.hidden = false;
  status.textContent = words().camera;
  await video.play().catch(() => {});
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const frame = () => {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(pixels.data, canvas.width, canvas.height, { inversionAttempts: 'dontInvert' });
      if (code && code.data) {
        stopCamera();
        status.textContent = '';
        handleText(code.data);
        return;
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

function statusLine() {
  let line = document.getElementById('verify-status');
  if (!line) {
    line = element('p', { id: 'verify-status', role: 'status' });
    const form = document.getElementById('verify-form');
    if (form) form.append(line);
    else document.body.append(line);
  }
  return line;
}

// ------------------------------------------------------------------------------------------
// Start

function start() {
  const form = document.getElementById('verify-form');
  const scan = document.getElementById('scan');
  const install = document.getElementById('install');

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/verify/sw.js', { scope: '/verify' }).catch(() => {});
  }
  refreshBundle();
  window.addEventListener('online', () => refreshBundle());
  window.addEventListener('offline', () => showBundleAge());

  if (scan && navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function') {
    scan.hidden = false;
    scan.addEventListener('click', (event) => {
      event.preventDefault();
      if (stream) stopCamera();
      else startCamera();
    });
  }

  let deferredPrompt = null;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferredPrompt = event;
    if (install) install.hidden = false;
  });
  if (install) {
    install.addEventListener('click', async () => {
      if (!deferredPrompt) return;
      deferredPrompt.prompt();
      await deferredPrompt.userChoice.catch(() => null);
      deferredPrompt = null;
      install.hidden = true;
    });
  }
  window.addEventListener('appinstalled', () => {
    if (install) install.hidden = true;
  });

  if (form) {
    form.addEventListener('submit', async (event) => {
      const fileInput = document.getElementById('document');
      const textInput = document.getElementById('text');
      const file = fileInput && fileInput.files && fileInput.files[0];
      const text = textInput ? textInput.value.trim() : '';
      if (!file && !text) return; // the server explains what is missing
      event.preventDefault();
      const button = document.getElementById('verify-button');
      if (button) button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      statusLine().textContent = words().reading;
      try {
        if (file) await handleFile(file);
        else await handleText(text);
      } catch {
        // Whatever went wrong here, the server's path still works.
        form.submit();
        return;
      } finally {
        if (button) button.disabled = false;
        form.removeAttribute('aria-busy');
        statusLine().textContent = '';
      }
    });
  }
}

if (typeof document !== 'undefined' && typeof window !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
