// Writes a synthetic NtTrace log of a given size for the reader benchmark (never committed).
// Needs `npm run build` first.
//
// Usage: node bench/reader-synth.mjs OUT SIZE_MB [corpus|corpus-order|prefixed]
//   corpus        the shape of the corpus's raw logs: CRLF, no prefixes, events and program
//                 output; call names drawn at random (uniformly) from a list of common calls
//   corpus-order  the same lines, with the calls in the order of the real reduced corpus
//                 (../shared/corpus/sysBEN then sysMAL, read at run time, never committed)
//   prefixed      -time -delta -pid -tid -pre: NtMalDetect's reader finds no call in it
// A block of about 4 MB is generated from a fixed seed and repeated up to the size
// (corpus-order: each block takes the next 28,000 calls of the corpus, wrapping around).
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthTrace } from '../dist/tokenize/synth.js';

const BLOCK_CALLS = 28_000;

/** The call names of the reduced corpus, in order (sysBEN then sysMAL, files sorted). */
export function corpusOrder(shared = process.env.NTMD_SHARED ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared')) {
  const names = [];
  for (const d of ['sysBEN', 'sysMAL']) {
    const dir = join(resolve(shared), 'corpus', d);
    for (const f of readdirSync(dir).sort()) {
      for (const line of readFileSync(join(dir, f), 'latin1').split('\n')) {
        const n = line.trim();
        if (n !== '') names.push(n);
      }
    }
  }
  return names;
}

/** Writes the file; returns { bytes, calls, callsPerBlock, blocks }. */
export function writeSynth(out, sizeMB, shape = 'corpus') {
  const base =
    shape === 'prefixed'
      ? { seed: 7, calls: 20_000, crlf: true, time: true, delta: true, pid: true, tid: true, pre: true, processes: 2, threads: 3, output: 0.03, events: 0.02 }
      : { seed: 7, calls: BLOCK_CALLS, crlf: true, output: 0.03, events: 0.02 };
  const order = shape === 'corpus-order' ? corpusOrder() : undefined;
  const blockAt = (k) => {
    if (order === undefined) return synthTrace(base);
    const from = (k * BLOCK_CALLS) % order.length;
    const sequence = order.slice(from, from + BLOCK_CALLS);
    if (sequence.length < BLOCK_CALLS) sequence.push(...order.slice(0, BLOCK_CALLS - sequence.length));
    return synthTrace({ ...base, sequence });
  };
  const target = sizeMB * 1024 * 1024;
  const fd = openSync(out, 'w');
  let bytes = 0;
  let blocks = 0;
  let calls = 0;
  let block;
  while (bytes < target) {
    // Without an order every block is the same: generated once.
    if (block === undefined || order !== undefined) block = blockAt(blocks);
    const b = Buffer.from(block.text, 'utf8');
    writeSync(fd, b);
    bytes += b.length;
    calls += block.calls.length;
    blocks++;
  }
  closeSync(fd);
  return { bytes, calls, callsPerBlock: BLOCK_CALLS, blocks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, size, shape] = process.argv.slice(2);
  console.log(JSON.stringify(writeSynth(out, Number(size), shape ?? 'corpus')));
}
