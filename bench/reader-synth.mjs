// Writes a synthetic NtTrace log of a given size for the reader benchmark (never committed).
// Needs `npm run build` first.
//
// Usage: node bench/reader-synth.mjs OUT SIZE_MB [corpus|prefixed]
//   corpus    the shape of the corpus's raw logs: CRLF, no prefixes, events and program output
//   prefixed  -time -delta -pid -tid -pre: NtMalDetect's reader finds no call in it
// A block of about 4 MB is generated from a fixed seed and repeated up to the size.
import { closeSync, openSync, writeSync } from 'node:fs';
import { synthTrace } from '../dist/tokenize/synth.js';

/** Writes the file; returns { bytes, calls, callsPerBlock, blocks }. */
export function writeSynth(out, sizeMB, shape = 'corpus') {
  const opts =
    shape === 'prefixed'
      ? { seed: 7, calls: 20_000, crlf: true, time: true, delta: true, pid: true, tid: true, pre: true, processes: 2, threads: 3, output: 0.03, events: 0.02 }
      : { seed: 7, calls: 28_000, crlf: true, output: 0.03, events: 0.02 };
  const t = synthTrace(opts);
  const block = Buffer.from(t.text, 'utf8');
  const target = sizeMB * 1024 * 1024;
  const fd = openSync(out, 'w');
  let bytes = 0;
  let blocks = 0;
  while (bytes < target) {
    writeSync(fd, block);
    bytes += block.length;
    blocks++;
  }
  closeSync(fd);
  return { bytes, calls: t.calls.length * blocks, callsPerBlock: t.calls.length, blocks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, size, shape] = process.argv.slice(2);
  console.log(JSON.stringify(writeSynth(out, Number(size), shape ?? 'corpus')));
}
