// Canonicalizes a JSON-LD document exactly as the eddsa-rdfc-2022
// cryptosuite does before hashing (jsonld.js toRDF in safe mode with
// rdfDirection 'i18n-datatype', then rdf-canonize RDFC-1.0), fully offline
// (see loader.mjs).
//
// usage:
//   node canon.mjs <document.json | -> [--context URL=FILE]...
//
// Prints one JSON line: {"ok":true,"nquads":"..."} or
// {"ok":false,"errors":[...]} (e.g. an undefined term in safe mode, an invalid
// language tag). Exit code: 0 canonicalized, 1 canonicalization failed, 2
// usage or input error.
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {createDocumentLoader} from './loader.mjs';
import {
  InputError, collectErrors, parseCli, readContexts, readJson
} from './cli.mjs';

const {values, positionals} = parseCli({
  usage: 'node canon.mjs <document.json | -> [--context URL=FILE]...',
  positionals: 1,
  options: {}
});

async function main() {
  let document;
  let documentLoader;
  try {
    document = readJson(positionals[0]);
    documentLoader = createDocumentLoader(
      {extra: readContexts(values.context)});
  } catch(e) {
    if(e instanceof InputError) {
      process.stderr.write(`canon.mjs: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  try {
    // The cryptosuite's own canonize: the options a Data Integrity proof uses.
    const nquads = await eddsaRdfc2022.canonize(document, {documentLoader});
    process.stdout.write(JSON.stringify({ok: true, nquads}) + '\n');
  } catch(e) {
    process.stdout.write(
      JSON.stringify({ok: false, errors: collectErrors(e)}) + '\n');
    process.exitCode = 1;
  }
}

await main();
