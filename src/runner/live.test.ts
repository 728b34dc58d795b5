import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { traceProgram } from './index.js';
import { createLiveDetector } from './live.js';
import type { RunEvent, VerdictEvent } from './types.js';
import { train } from '../api/train.js';
import { detect } from '../api/detect.js';
import type { Model } from '../model/model.js';
import { corpusDir, requireShared } from '../../test/shared.js';
import { collect, FAKE, waitGone } from './test-helpers/fake.js';

requireShared();
const rawLogs = ['benign', 'malicious'].flatMap((d) =>
  readdirSync(join(corpusDir, 'raw', d))
    .sort()
    .map((f) => join(corpusDir, 'raw', d, f)),
);
let model: Model;

beforeAll(async () => {
  model = await train(corpusDir, { preset: 'ntmaldetect-2018' });
}, 300_000);

describe('the live detector against detect()', () => {
  it('gives, at the end of a traced replay, exactly the verdict detect() gives on the log', async () => {
    const log = rawLogs.find((p) => p.includes('LOG_711'))!;
    const session = traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', log, '-fake-batch', '60', '-fake-pause-ms', '40'],
      intervalMs: '120ms',
      model,
    });
    const { events, error } = await collect(session);
    expect(error).toBeUndefined();
    const expected = await detect({ path: log }, { model });
    expect(expected.insufficient).toBe(false);
    const final = events.at(-1) as Extract<RunEvent, { type: 'final' }>;
    expect(final.type).toBe('final');
    expect(final.verdict).toEqual(expected);
    expect((await session.result).verdict).toEqual(expected);
    const verdicts = events.filter((e): e is VerdictEvent => e.type === 'verdict');
    expect(verdicts.length).toBeGreaterThanOrEqual(2);
    const counts = verdicts.map((v) => v.calls);
    expect(new Set(counts).size).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('agrees with detect() on every raw log, every policy, whatever the chunking', async () => {
    for (const log of rawLogs) {
      const bytes = readFileSync(log);
      for (const policy of ['any', 'all', 'majority'] as const) {
        const det = await createLiveDetector({ model, policy });
        for (let i = 0; i < bytes.length;) {
          const n = 1 + ((i * 7919) % 4099);
          det.push(bytes.subarray(i, i + n));
          i += n;
        }
        det.end();
        expect(det.verdict()).toEqual(await detect(bytes, { model, policy }));
      }
    }
  });

  it('is insufficient, never malicious, before the first n-gram', async () => {
    const det = await createLiveDetector({ model });
    expect(det.verdict()).toMatchObject({ insufficient: true, malicious: false, calls: 0, ngrams: 0 });
    const head = readFileSync(rawLogs[0], 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('Nt'))
      .slice(0, 9);
    det.push(Buffer.from(head.join('\n') + '\n'));
    expect(det.calls).toBe(9);
    const v = det.verdict();
    expect(v).toMatchObject({ insufficient: true, malicious: false, calls: 9, ngrams: 0 });
    expect(v.reason).toMatch(/fewer than the 10/);
  });

  it('refuses a policy the model cannot apply before tracing anything', async () => {
    await expect(createLiveDetector({ model, policy: 'mean' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
