#!/usr/bin/env node
// Writes the version-1 model fixtures (fixtures/models/v1-*.ntmd) and the scores they gave
// when written (fixtures/models/v1-scores.json), with a build of the library that still
// WRITES version 1 (ntmaldetect before format version 2, e.g. commit 64fdc5f built into
// dist-check/v1base/dist with package.json beside it). src/model/v1-fixtures.test.ts loads
// them with today's reader and checks every score bit for bit.
//
//   node scripts/make-v1-model-fixtures.mjs --dist dist-check/v1base/dist
//
// Trained on the repository's own NtTrace fixtures (fixtures/nttrace/*.log; the labels are
// arbitrary, by program name): a few thousand ten-grams, a few kB per file. Layouts:
// - v1.ntmd: what the version-1 writer wrote last (vocab.ids, idf.values + idf.index, a
//   dense naive Bayes member, a sparse SVC member with a delta-coded index);
// - v1-signed.ntmd: the same, signed with an Ed25519 key from a fixed seed;
// - v1-prefix.ntmd: the earlier vocabulary layout (vocab.shared + vocab.tail);
// - v1-idf.ntmd: idf as one f64 per feature (section `idf`, the layout for > 65,536
//   distinct values).
import { createHash, createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { dist: { type: 'string' } } });
if (!values.dist) throw new Error('--dist DIR: a build that writes version 1');
const dist = resolve(values.dist);
const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
const { readContainer, writeContainer } = await import(pathToFileURL(join(dist, 'model', 'container.js')).href);
if (lib.FORMAT_VERSION !== 1) throw new Error(`${dist} writes format version ${lib.FORMAT_VERSION}, not 1`);

/** The traces the fixtures are trained on and scored with (also read by the test). */
function fixtureTraces() {
  const dir = join(root, 'fixtures', 'nttrace');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => ({ path: join(dir, f), name: f, label: /^(ipconfig|reg-query|whoami)/.test(f) ? 1 : 0 }));
}

/** The fixtures' signing key: Ed25519 from a fixed seed (PKCS#8 DER prefix + 32 bytes). */
function fixtureKey() {
  const seed = createHash('sha256').update('ntmaldetect model fixture key').digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

const traces = fixtureTraces();
const table = new lib.CallTable();
const docs = traces.map((t) => ({
  calls: lib.readTraceSync(readFileSync(t.path), { table, source: t.name }).calls,
  label: t.label,
  sha256: createHash('sha256').update(readFileSync(t.path)).digest('hex'),
  path: t.name,
}));
const model = await lib.train({ table, docs, skippedEmpty: [] }, { preset: 'ntmaldetect-2018' });
const plain = model.toBytes();

function rewrite(edit) {
  const c = readContainer(plain, 'v1.ntmd');
  const sections = new Map(c.sections);
  edit(sections);
  return writeContainer({ header: c.header, sections });
}
const prefix = rewrite((s) => {
  const lengths = s.get('vocab.lengths');
  const ids = s.get('vocab.ids');
  const shared = new Uint8Array(lengths.length);
  const tail = [];
  for (let j = 0, p = 0, prev = 0; j < lengths.length; j++) {
    let k = 0;
    while (j > 0 && k < lengths[j] && k < lengths[j - 1] && ids[p + k] === ids[prev + k]) k++;
    shared[j] = k;
    for (let q = k; q < lengths[j]; q++) tail.push(ids[p + q]);
    prev = p;
    p += lengths[j];
  }
  const rest = [...s].filter(([k]) => k !== 'vocab.lengths' && k !== 'vocab.ids');
  s.clear();
  s.set('vocab.lengths', lengths).set('vocab.shared', shared).set('vocab.tail', Uint8Array.from(tail));
  for (const [k, v] of rest) s.set(k, v);
});
const idfTable = rewrite((s) => {
  const values = s.get('idf.values');
  const index = s.get('idf.index');
  const rest = [...s].filter(([k]) => k !== 'idf.values' && k !== 'idf.index');
  const vocab = rest.filter(([k]) => k.startsWith('vocab.'));
  s.clear();
  for (const [k, v] of vocab) s.set(k, v);
  s.set(
    'idf',
    Float64Array.from(index, (i) => values[i]),
  );
  for (const [k, v] of rest) if (!k.startsWith('vocab.')) s.set(k, v);
});
const files = {
  'v1.ntmd': plain,
  'v1-signed.ntmd': model.toBytes({ signKey: fixtureKey() }),
  'v1-prefix.ntmd': prefix,
  'v1-idf.ntmd': idfTable,
};
const scores = { traces: traces.map((t) => t.name), files: {} };
for (const [name, bytes] of Object.entries(files)) {
  writeFileSync(join(root, 'fixtures', 'models', name), bytes);
  const m = lib.loadModelSync(bytes, { source: name });
  const s = m.scoreDocs(
    docs.map((d) => d.calls),
    table,
  );
  scores.files[name] = {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sections: [...readContainer(bytes, name).sections.keys()],
    signer: m.signer,
    members: s.members.map((x) => ({ name: x.name, scores: Array.from(x.scores), labels: Array.from(x.labels) })),
  };
  console.log(`${name}: ${bytes.length} bytes, ${m.info().vocabularySize} features`);
}
writeFileSync(join(root, 'fixtures', 'models', 'v1-scores.json'), JSON.stringify(scores, null, 1) + '\n');
