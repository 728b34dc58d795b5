#!/usr/bin/env node
// Writes the synthetic trace fixtures of fixtures/traces/ (no third-party data: every log is
// made by src/tokenize/synth.ts from a fixed seed). Run after `npm run build`:
//   node scripts/make-trace-fixtures.mjs
// src/tokenize/fixtures.test.ts checks that the committed files are what this writes and
// that each log reduces to its .reduced.txt.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'fflate';
import { TRACE_FIXTURES } from '../dist/tokenize/fixtures.js';
import { synthTrace } from '../dist/tokenize/synth.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'traces');
mkdirSync(dir, { recursive: true });
for (const f of TRACE_FIXTURES) {
  const t = synthTrace(f.options);
  const log = Buffer.from(t.text, 'utf8');
  writeFileSync(join(dir, f.file), f.file.endsWith('.gz') ? gzipSync(log, { mtime: 0 }) : log);
  const calls = f.recoverEmbedded ? t.withEmbedded : t.calls;
  writeFileSync(join(dir, f.reduced), calls.map((c) => c + '\n').join(''));
  console.log(`${f.file}: ${calls.length} calls`);
}
