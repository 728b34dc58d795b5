import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { readTrace, readTraceFileSync, readTraceSync, reduceToText } from './index.js';

requireShared();
const rawLogs = (['benign', 'malicious'] as const).flatMap((label) =>
  readdirSync(join(corpusDir, 'raw', label))
    .sort()
    .map((file) => ({
      label,
      file,
      path: join(corpusDir, 'raw', label, file),
      reduced: join(corpusDir, label === 'benign' ? 'sysBEN' : 'sysMAL', file),
    })),
);

describe('the seven raw logs of the corpus', () => {
  it('are all there', () => {
    expect(rawLogs.length).toBe(7);
  });

  for (const log of rawLogs) {
    it(`${log.label}/${log.file} reduces byte-for-byte to its corpus file`, async () => {
      const bytes = readFileSync(log.path);
      const expected = readFileSync(log.reduced);
      const sync = readTraceSync(bytes, { source: log.file });
      expect(sync.format).toBe('raw');
      expect(reduceToText(sync.calls, sync.table).equals(expected)).toBe(true);
      const streamed = await readTrace(log.path);
      expect(streamed.source).toBe(log.path);
      expect(Array.from(streamed.calls)).toEqual(Array.from(sync.calls));
      const file = readTraceFileSync(log.path);
      expect(file.source).toBe(log.path);
      expect(Array.from(file.calls)).toEqual(Array.from(sync.calls));
      expect(file.stats).toEqual(sync.stats);
      // Every line is counted once; the corpus file has one line per call.
      const st = sync.stats;
      expect(st.calls).toBe(expected.toString('latin1').split('\n').length - 1);
      expect(st.calls + st.preCalls + st.embeddedCalls + st.events + st.programOutput + st.unparseable + st.blank).toBe(st.lines);
      expect(st.lines).toBe(bytes.toString('latin1').split('\n').length - (bytes[bytes.length - 1] === 10 ? 1 : 0));
      // The reduced file itself reads back to the same sequence.
      const again = readTraceSync(expected);
      expect(again.format).toBe('reduced');
      expect(reduceToText(again.calls, again.table).equals(expected)).toBe(true);
    });
  }
});
