/**
 * The reader on real NtTrace logs: fixtures/nttrace holds logs that
 * scripts/make-nttrace-fixtures.sh made with the real tracer under Wine (the current master
 * build and v1.0, with and without -time -pid -tid, -pre, -delta, -stack; a run killed
 * mid-way, a copy of it cut inside its last call, and a log of NtTrace's standard output
 * with the program's console output in it), each beside the call sequence an independent
 * oracle (the script's own regular expressions) found in it. The reader must find exactly
 * that sequence.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../test/shared.js';
import { readTraceFileSync } from './read.js';
import type { TraceRead } from './types.js';

const dir = join(projectRoot, 'fixtures', 'nttrace');
const logs = readdirSync(dir)
  .filter((f) => /\.log(\.gz)?$/.test(f))
  .sort();
const expected = (log: string): string[] =>
  readFileSync(join(dir, log.replace(/\.log(\.gz)?$/, '.calls')), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const names = (r: TraceRead): string[] => Array.from(r.calls, (id) => r.table.nameOf(id));

describe('real NtTrace logs (fixtures/nttrace)', () => {
  it('holds logs of both builds, with every option set', () => {
    expect(logs.length).toBeGreaterThanOrEqual(40);
    for (const build of ['master', 'v1.0']) {
      for (const opt of ['', '.time-pid-tid', '.pre', '.delta', '.stack']) {
        expect(logs.some((f) => f.startsWith('hostname') && f.includes(`${opt}.${build}.log`))).toBe(true);
      }
    }
  });

  it.each(logs)('%s: exactly the calls the oracle found', (log) => {
    const r = readTraceFileSync(join(dir, log));
    const want = expected(log);
    expect(names(r)).toEqual(want);
    expect(r.format).toBe('raw');
    const st = r.stats;
    expect(st.unparseable).toBe(0);
    if (log.includes('.cut.')) {
      // The last line is a call cut in the middle: read, and counted apart.
      expect(st.cutCalls).toBe(1);
      expect(st.calls).toBe(want.length - 1);
    } else {
      expect(st.cutCalls).toBe(0);
      expect(st.calls).toBe(want.length);
    }
    if (log.includes('.pre.')) expect(st.preCalls).toBeGreaterThanOrEqual(want.length);
    else expect(st.preCalls).toBe(0);
    // Calls glued after the program's own console output (NtTrace's stdout shared with
    // the program) are not calls: the runner keeps the trace apart instead.
    if (log.includes('.stdout.')) expect(st.embeddedCalls).toBe(5);
    else expect(st.embeddedCalls).toBe(0);
  });

  it('reads the same calls from both builds and from every option set of one run', () => {
    for (const prog of ['hostname', 'whoami', 'ipconfig', 'cmd-hostname', 'reg-query']) {
      const runs = logs.filter((f) => f.startsWith(`${prog}.`) && !f.includes('.stdout.'));
      expect(runs.length).toBeGreaterThanOrEqual(2);
      const lengths = new Set(runs.map((f) => readTraceFileSync(join(dir, f)).calls.length));
      expect(lengths.size).toBe(1);
    }
  });
});
