// Builds the verifier page's scripts into ../assets (committed: building civitas never needs
// npm). `npm ci && node build.mjs` rebuilds them byte for byte from the pinned packages.
//
//   ../assets/verify-app.js     src/app.js + src/cv1.js + pako, cborg, @noble/*, jsQR: ONE
//                               self-contained ES module, minified, no import left but the
//                               lazy import('/assets/pdf.mjs') made when a PDF is chosen
//   ../assets/pdf.mjs           pdf.js (legacy build: older phones), as published
//   ../assets/pdf.worker.mjs    pdf.js's worker (served from /assets/: CSP worker-src 'self')

import { build } from 'esbuild';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const assets = join(here, '..', 'assets');

const result = await build({
  entryPoints: [join(here, 'src', 'app.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  charset: 'utf8',
  outfile: join(assets, 'verify-app.js'),
  write: false,
  logLevel: 'warning',
});
const [out] = result.outputFiles;
const code = out.text;
// The page's CSP has no 'unsafe-eval' and no other origin: refuse a bundle that would need them.
for (const [what, pattern] of [
  ['eval(', /\beval\(/],
  ['new Function', /new Function\s*\((?!""\))/],
  ['an import from elsewhere', /\bimport\s*\(?\s*["'](?!\/assets\/pdf\.mjs["'])[^"']*["']/],
  ['a URL of another origin', /\bimport\s*\(\s*["']https?:/],
]) {
  if (pattern.test(code)) throw new Error(`verify-app.js would use ${what}`);
}
await writeFile(join(assets, 'verify-app.js'), code);
const pdfjs = join(here, 'node_modules', 'pdfjs-dist', 'legacy', 'build');
await copyFile(join(pdfjs, 'pdf.min.mjs'), join(assets, 'pdf.mjs'));
await copyFile(join(pdfjs, 'pdf.worker.min.mjs'), join(assets, 'pdf.worker.mjs'));
console.log(`verify-app.js: ${code.length} bytes`);
