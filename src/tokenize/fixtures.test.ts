import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/shared.js';
import { TRACE_FIXTURES } from './fixtures.js';
import { readTrace, readTraceSync, reduceToText } from './index.js';
import { synthTrace } from './synth.js';

const dir = join(projectRoot, 'fixtures', 'traces');

describe('trace fixtures (fixtures/traces)', () => {
  for (const f of TRACE_FIXTURES) {
    it(`${f.file} is what scripts/make-trace-fixtures.mjs writes and reduces to ${f.reduced}`, async () => {
      const bytes = readFileSync(join(dir, f.file));
      const log = f.file.endsWith('.gz') ? Buffer.from(gunzipSync(bytes)) : bytes;
      const t = synthTrace(f.options);
      expect(log.toString('utf8')).toBe(t.text);
      const read = await readTrace(join(dir, f.file), { recoverEmbedded: f.recoverEmbedded === true });
      const expected = readFileSync(join(dir, f.reduced));
      expect(reduceToText(read.calls, read.table).equals(expected)).toBe(true);
      expect(read.stats.calls + (f.recoverEmbedded ? read.stats.embeddedCalls : 0)).toBe(
        expected.toString('latin1').split('\n').length - 1,
      );
    });
  }

  it('the prefixed log splits into its two processes and four threads', async () => {
    const f = TRACE_FIXTURES.find((x) => x.file === 'prefixed-raw.log')!;
    const t = synthTrace(f.options);
    const byThread = await readTrace(join(dir, f.file), { split: 'thread' });
    expect(byThread.groups?.map((g) => g.key)).toEqual([...t.byThread.keys()]);
    expect(byThread.groups?.length).toBe(4);
    const byProcess = await readTrace(join(dir, f.file), { split: 'process' });
    expect(byProcess.groups?.map((g) => g.key).sort()).toEqual(['1000', '1920']);
    expect(byProcess.groups?.reduce((s, g) => s + g.calls.length, 0)).toBe(300);
    expect(byThread.stats.preCalls).toBe(300);
  });

  it('a log written in a given call order holds that order, repeated, and reads back to it', () => {
    const sequence = ['NtOpenFile', 'NtQueryInformationFile', 'NtClose', 'NtClose', 'NtUserGetMessage'];
    const t = synthTrace({ sequence, calls: 12, output: 0.3, events: 0.3, crlf: true, seed: 5 });
    const want = [...sequence, ...sequence, 'NtOpenFile', 'NtQueryInformationFile'];
    expect(t.calls).toEqual(want);
    const r = readTraceSync(Buffer.from(t.text, 'latin1'));
    expect(Array.from(r.calls, (id) => r.table.nameOf(id))).toEqual(want);
    expect(r.stats.events + r.stats.programOutput).toBeGreaterThan(4);
  });
});
