#!/usr/bin/env node
// Reading speed of a trace's encodings: the same traces as UTF-8, UTF-8 with BOM, UTF-16 LE
// with BOM (what Windows PowerShell 5's `>` writes) and UTF-16 BE with BOM, read warm in
// memory (readTraceSync) and from files in 64 KiB chunks (readTraceFileSync). Prints, per
// encoding, the median time of a pass over all traces and the speed in MB/s of input bytes
// and of text (the UTF-8 size: what the parser gets after conversion).
//
// Usage: node bench/reader-encodings.mjs [--dist dist] [--rounds 40] [FILE...]
//   FILE defaults to the 7 raw logs of ../shared/corpus/raw and the reduced traces of
//   ../shared/corpus/sysBEN (empty files skipped). Build first: npm run build --silent.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dist: { type: 'string', default: join(root, 'dist') }, rounds: { type: 'string', default: '40' } },
});
const { CallTable, readTraceSync, readTraceFileSync } = await import(join(resolve(values.dist), 'tokenize', 'index.js'));
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const dirs = [join(shared, 'corpus', 'raw', 'benign'), join(shared, 'corpus', 'raw', 'malicious'), join(shared, 'corpus', 'sysBEN')];
const files = positionals.length > 0 ? positionals : dirs.flatMap((d) => readdirSync(d).sort().map((f) => join(d, f)));
const texts = files.map((f) => readFileSync(f).toString('utf8')).filter((t) => t.length > 0);
const rounds = Number(values.rounds);

const encodings = {
  'utf-8': (t) => Buffer.from(t, 'utf8'),
  'utf-8-bom': (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]),
  'utf-16le-bom': (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  'utf-16be-bom': (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]),
};
const textBytes = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0);
const scratch = mkdtempSync(join(tmpdir(), 'ntmd-bench-enc-'));
const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
const time = (f) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

try {
  console.log(`${texts.length} traces, ${(textBytes / 1e6).toFixed(2)} MB of UTF-8 text, ${rounds} rounds, Node ${process.version}`);
  // Every encoding's inputs first; then the rounds, each timing every encoding in turn (which
  // goes first rotates), so that a machine whose speed drifts slows them all alike.
  const calls = {};
  const runs = Object.entries(encodings).map(([name, encode]) => {
    const bufs = texts.map(encode);
    const paths = bufs.map((b, i) => {
      const p = join(scratch, `${name}-${i}.log`);
      writeFileSync(p, b);
      return p;
    });
    const table = new CallTable();
    let n = 0;
    for (const b of bufs) n += readTraceSync(b, { table }).calls.length;
    calls[name] = n;
    return {
      name,
      inBytes: bufs.reduce((s, b) => s + b.length, 0),
      memory: () => {
        for (const b of bufs) readTraceSync(b, { table });
      },
      file: () => {
        for (const p of paths) readTraceFileSync(p, { table });
      },
      tm: [],
      tf: [],
    };
  });
  for (let i = 0; i < 10; i++) {
    for (const r of runs) {
      r.memory();
      r.file();
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < runs.length; k++) {
      const r = runs[(round + k) % runs.length];
      r.tm.push(time(r.memory));
      r.tf.push(time(r.file));
    }
  }
  const mbs = (bytes, ms) => (bytes / 1e6 / (ms / 1e3)).toFixed(0);
  const base = median(runs[0].tm);
  for (const r of runs) {
    const tm = median(r.tm);
    const tf = median(r.tf);
    console.log(
      `${r.name.padEnd(13)} ${(r.inBytes / 1e6).toFixed(2)} MB in; memory ${tm.toFixed(1)} ms (${(tm / base).toFixed(2)}x utf-8): ${mbs(r.inBytes, tm)} MB/s in, ${mbs(textBytes, tm)} MB/s text; ` +
        `file ${tf.toFixed(1)} ms: ${mbs(r.inBytes, tf)} MB/s in, ${mbs(textBytes, tf)} MB/s text; ${calls[r.name]} calls`,
    );
  }
  if (new Set(Object.values(calls)).size !== 1) throw new Error(`the encodings read different numbers of calls: ${JSON.stringify(calls)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
