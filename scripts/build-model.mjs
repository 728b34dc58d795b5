#!/usr/bin/env node
// Builds models/default.ntmd from ../shared/corpus (or $NTMD_SHARED/corpus) with the
// 'default' preset. Run through `npm run build-model` (which compiles first). The result is
// byte-identical for the same corpus and library version; test/default-model.test.ts checks it.
//
//   node scripts/build-model.mjs [--corpus DIR] [--out FILE]
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDefaultModel, defaultCorpusDir, DEFAULT_MODEL_PATH } from '../dist/eval/default-model.js';

const { values } = parseArgs({ options: { corpus: { type: 'string' }, out: { type: 'string' } } });
const corpus = values.corpus ? resolve(values.corpus) : defaultCorpusDir();
const out = values.out ? resolve(values.out) : DEFAULT_MODEL_PATH;
const t0 = performance.now();
const model = await buildDefaultModel(corpus);
mkdirSync(dirname(out), { recursive: true });
await model.save(out);
const bytes = model.toBytes();
const info = model.info();
console.log(
  `${out}: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}, ` +
    `${info.vocabularySize} features, members ${info.members.map((m) => `${m.name} (${m.features} weights)`).join(', ')}, ` +
    `${((performance.now() - t0) / 1000).toFixed(2)} s`,
);
