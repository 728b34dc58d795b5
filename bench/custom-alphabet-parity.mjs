#!/usr/bin/env node
/**
 * Parity of the custom alphabet with scikit-learn: our TF-IDF (tokenRule 'nonspace', the
 * custom alphabet's) against `TfidfVectorizer(token_pattern=r"\S+")` on the dataset fixtures
 * (fixtures/datasets/: the ADFA-like words tree, the MalbehavD-like CSV) and on names with
 * punctuation, digits and capitals. Compares the feature names in column order, idf and
 * every value of the TF-IDF matrix. Needs `npm run build` and python3 with scikit-learn
 * (`apt-get install python3-sklearn`).
 *
 *   node bench/custom-alphabet-parity.mjs        (PYTHON=/usr/bin/python3 to choose the interpreter)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TfidfVectorizer } from '../dist/tfidf/index.js';
import { CallTable } from '../dist/tokenize/call-table.js';
import { readTableRows, readWords } from '../dist/corpus/datasets.js';

const root = join(import.meta.dirname, '..');
const D = join(root, 'fixtures', 'datasets');

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

const corpora = {
  'adfa-like (words)': files(join(D, 'adfa-like')).map((f) => readWords(readFileSync(f), f)),
  'malbehavd-like (csv)': readTableRows(readFileSync(join(D, 'malbehavd-like.csv')), { form: 'csv', source: 'm.csv' }).rows.map((r) => r.calls),
  'punctuation, digits, case': [
    ['6', 'K', 'kernel32.dll!CreateFileW', 'a@b', 'x.y', '6', 'K', '!', '#1', 'k', 'A-B', 'a-b', 'É', 'é'],
    ['!', '6', '6', 'x.y', 'a@b', 'Kernel32.DLL!createfilew', '#1', '#1', 'a', 'a-b'],
    ['a', 'b', 'a', 'b', 'É', 'k', '!', '!'],
  ],
};

const settings = [
  { ngramRange: [1, 3], lowercase: true, sublinearTf: false },
  { ngramRange: [2, 4], lowercase: false, sublinearTf: true },
  { ngramRange: [10, 10], lowercase: true, sublinearTf: true },
];

const py = `
import json, sys
from sklearn.feature_extraction.text import TfidfVectorizer
job = json.load(sys.stdin)
out = []
for s in job['settings']:
    v = TfidfVectorizer(token_pattern=r"\\S+", ngram_range=tuple(s['ngramRange']), lowercase=s['lowercase'], sublinear_tf=s['sublinearTf'])
    try:
        X = v.fit_transform([' '.join(d) for d in job['docs']]).tocsr()
    except ValueError as e:
        out.append({'error': str(e)})
        continue
    X.sort_indices()
    out.append({'names': list(v.get_feature_names_out()), 'idf': list(v.idf_), 'indptr': X.indptr.tolist(), 'indices': X.indices.tolist(), 'data': X.data.tolist()})
import sklearn
print(json.dumps({'sklearn': sklearn.__version__, 'results': out}))
`;

let worst = 0;
for (const [name, docs] of Object.entries(corpora)) {
  const ref = JSON.parse(execFileSync(process.env.PYTHON ?? 'python3', ['-c', py], { input: JSON.stringify({ docs, settings }), maxBuffer: 1 << 28 }).toString());
  settings.forEach((s, k) => {
    const r = ref.results[k];
    const table = new CallTable();
    const ids = docs.map((d) => Int32Array.from(d, (c) => table.intern(c)));
    let ours;
    try {
      ours = new TfidfVectorizer({ ...s, tokenRule: 'nonspace' }).fitTransform(ids, table);
    } catch (e) {
      console.log(`${name}, ${JSON.stringify(s)}: ours ${e.code}, scikit-learn ${r.error ?? 'fitted'}`);
      return;
    }
    const V = ours.tfidf.vocabularySize;
    const names = Array.from({ length: V }, (_, j) => ours.tfidf.featureName(j));
    const sameNames = V === r.names.length && names.every((n, j) => n === r.names[j]);
    let diff = 0;
    for (let j = 0; j < V; j++) diff = Math.max(diff, Math.abs(ours.tfidf.idf[j] - r.idf[j]));
    const X = ours.X;
    const sameStructure = X.indptr.every((v, i) => v === r.indptr[i]) && X.indices.every((v, i) => v === r.indices[i]);
    for (let p = 0; p < X.data.length; p++) diff = Math.max(diff, Math.abs(X.data[p] - r.data[p]));
    worst = Math.max(worst, sameNames && sameStructure ? diff : Infinity);
    console.log(
      `${name}, ngrams ${s.ngramRange.join('-')}, lowercase ${s.lowercase}, sublinear ${s.sublinearTf}: ${V} features, ` +
        `names in column order ${sameNames ? 'equal' : 'DIFFER'}, matrix structure ${sameStructure ? 'equal' : 'DIFFERS'}, max |idf, value difference| ${diff.toExponential(2)} (scikit-learn ${ref.sklearn})`,
    );
  });
}
console.log(`worst difference: ${worst}`);
process.exitCode = worst < 1e-12 ? 0 : 1;
