import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/tmp.js';
import { loadCorpus } from '../corpus/index.js';
import { runBench } from '../eval/bench.js';
import { writeSyntheticCorpus } from '../eval/synthetic.js';
import { openStore } from '../store/index.js';
import { pgliteBackend, removeScratch } from '../store/test-helpers/backends.js';
import { runCli } from './main.js';
import { progressLine } from './progress.js';

/** A stream that collects what is written; `isTTY` as asked. */
function stream(isTTY: boolean, columns?: number) {
  const s = Object.assign(new PassThrough(), { isTTY, columns });
  const chunks: string[] = [];
  s.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
  return { s, text: () => chunks.join('') };
}

async function cli(args: string[], cwd: string, tty: boolean) {
  const out = stream(false);
  const err = stream(tty);
  const code = await runCli(args, { stdout: out.s, stderr: err.s, stdin: new PassThrough().end(), env: {}, cwd });
  await new Promise((r) => setImmediate(r));
  return { code, out: out.text(), err: err.text() };
}

const dir = scratchDir('ntmd-progress-');
writeSyntheticCorpus(join(dir, 'corpus'), { traces: 40, minLength: 12, maxLength: 60, vocabulary: 'linux', seed: 5 });
afterAll(removeScratch);

describe('progressLine', () => {
  it('on a terminal rewrites one line in place, throttled within a phase, and clears it', () => {
    let t = 0;
    const { s, text } = stream(true);
    const p = progressLine({ stderr: s }, { now: () => t, intervalMs: 100 });
    expect(p.enabled).toBe(true);
    p.update({ phase: 'reading', done: 1, total: 4 });
    t = 50;
    p.update({ phase: 'reading', done: 2, total: 4 }); // throttled
    t = 160;
    p.update({ phase: 'reading', done: 3, total: 4 });
    t = 170;
    p.update({ phase: 'reading', done: 4, total: 4 }); // the end of a phase is always shown
    p.update({ phase: 'fit', done: 0, total: 2, detail: 'svc' }); // so is a new phase
    p.clear();
    p.clear(); // idempotent
    const w = text();
    expect(w).toBe(
      '\rreading 1/4  0.0 s' + '\rreading 3/4  0.2 s' + '\rreading 4/4  0.2 s' + '\rfit 0/2 svc  0.2 s' + `\r${' '.repeat(18)}\r`,
    );
    expect(w).not.toContain('2/4');
    expect(w).not.toContain('\n');
  });

  it('pads over a longer previous text and never writes wider than the terminal', () => {
    const { s, text } = stream(true, 30);
    const p = progressLine({ stderr: s }, { now: () => 0 });
    p.update({ phase: 'a-very-long-phase-name-indeed', done: 10, total: 100, detail: 'and a long detail' });
    p.update({ phase: 'b', done: 1, total: 2 });
    const lines = text().split('\r').slice(1);
    expect(lines[0]).toHaveLength(29);
    expect(lines[1]).toBe('b 1/2  0.0 s' + ' '.repeat(29 - 12));
  });

  it('takes 80 columns when the terminal reports none (0 or unknown)', () => {
    for (const columns of [0, undefined]) {
      const { s, text } = stream(true, columns);
      const p = progressLine({ stderr: s }, { now: () => 0 });
      p.update({ phase: 'reading traces', done: 95, total: 220, detail: 'x'.repeat(100) });
      expect(text()).toHaveLength(1 + 79);
      expect(text()).toMatch(/^\rreading traces 95\/220 x+$/);
    }
  });

  it('writes nothing when stderr is not a terminal, or when silent', () => {
    const piped = stream(false);
    const p = progressLine({ stderr: piped.s });
    expect(p.enabled).toBe(false);
    p.update({ phase: 'x', done: 1, total: 1 });
    p.clear();
    const tty = stream(true);
    const q = progressLine({ stderr: tty.s }, { silent: true });
    q.update({ phase: 'x', done: 1, total: 1 });
    q.clear();
    expect(piped.text()).toBe('');
    expect(tty.text()).toBe('');
  });

  it('writes plain lines when asked to (store import --progress)', () => {
    const { s, text } = stream(false);
    const p = progressLine({ stderr: s }, { lines: true, now: () => 0 });
    p.update({ phase: 'import', done: 3, total: 9 });
    p.update({ phase: 'import', done: 9, total: 9 });
    p.clear();
    expect(text()).toBe('progress import 3/9  0.0 s\nprogress import 9/9  0.0 s\n');
  });
});

describe('the library reports progress through callbacks: monotone, ending at the total', () => {
  const monotone = (xs: { done: number; total: number }[]): void => {
    expect(xs.length).toBeGreaterThan(0);
    for (let i = 1; i < xs.length; i++) expect(xs[i].done).toBeGreaterThanOrEqual(xs[i - 1].done);
    expect(xs[xs.length - 1].done).toBe(xs[xs.length - 1].total);
  };

  it('loadCorpus and runBench', async () => {
    const read: { done: number; total: number }[] = [];
    await loadCorpus(join(dir, 'corpus'), { onProgress: (done, total) => read.push({ done, total }) });
    monotone(read);
    expect(read[read.length - 1].total).toBe(40);
    const stages: Record<string, { done: number; total: number }[]> = {};
    await runBench({
      corpus: join(dir, 'corpus'),
      folds: 2,
      models: 'svc-5gram',
      onProgress: (stage, done, total) => (stages[stage] ??= []).push({ done, total }),
    });
    expect(Object.keys(stages)).toEqual(['load', 'split', 'fit']);
    for (const xs of Object.values(stages)) monotone(xs);
    expect(stages.fit.map((x) => x.done)).toEqual([1, 2]);
  });

  it('Store.import', async () => {
    const fresh = await pgliteBackend.fresh();
    const store = await openStore({ db: fresh.db, env: {} });
    try {
      const seen: { done: number; total: number; bytes: number; totalBytes: number }[] = [];
      const r = await store.import(join(dir, 'corpus'), { batchSize: 7, onProgress: (p) => seen.push(p) });
      expect(r.files).toBe(40);
      monotone(seen);
      expect(seen.length).toBe(Math.ceil(40 / 7));
      expect(seen[seen.length - 1].bytes).toBe(seen[seen.length - 1].totalBytes);
    } finally {
      await store.close();
      await fresh.cleanup();
    }
  });
});

describe('long commands show progress on a terminal only', () => {
  it('train: reading and fitting on a terminal; nothing when piped or with --json', async () => {
    const args = ['train', '--corpus', 'corpus', '--preset', 'svc-5gram'];
    const tty = await cli([...args, '--out', 'a.ntmd'], dir, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/^\rreading traces 1\/40 /);
    expect(tty.err).toContain('\rreading traces 40/40 ');
    expect(tty.err).toMatch(/\rfitting (\d)\/\1 \d+ features +\d/);
    expect(tty.err).toMatch(/\r +\r$/); // cleared at the end
    expect(tty.err).not.toContain('\n');
    const piped = await cli([...args, '--out', 'b.ntmd'], dir, false);
    expect(piped.code).toBe(0);
    expect(piped.err).toBe('');
    const json = await cli([...args, '--out', 'c.ntmd', '--json'], dir, true);
    expect(json.code).toBe(0);
    expect(json.err).toBe('');
    expect(JSON.parse(json.out).traces).toBe(40);
    const quiet = await cli(['--quiet', ...args, '--out', 'd.ntmd'], dir, true);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe('');
  });

  it('bench: folds on a terminal; nothing when piped or with --json', async () => {
    const args = ['bench', '--corpus', 'corpus', '--folds', '2', '--models', 'svc-5gram'];
    const tty = await cli(args, dir, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toContain('\rfolds 2/2 svc-5gram ');
    expect(tty.err).toMatch(/\r +\r$/);
    expect((await cli(args, dir, false)).err).toBe('');
    expect((await cli([...args, '--json'], dir, true)).err).toBe('');
  });

  it('store import: on a terminal; nothing when piped or with --json; lines with --progress', async () => {
    const runs: { err: string; code: number }[] = [];
    for (const [tty, extra] of [
      [true, []],
      [false, []],
      [true, ['--json']],
      [false, ['--progress', '--batch', '20']],
    ] as const) {
      const fresh = await pgliteBackend.fresh();
      try {
        runs.push(await cli(['store', 'import', 'corpus', '--db', fresh.db, ...extra], dir, tty));
      } finally {
        await fresh.cleanup();
      }
    }
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(runs[0].err).toMatch(
      /^\rimport 32\/40 files [\d.]+\/[\d.]+ MB +[\d.]+ s\rimport 40\/40 files [\d.]+\/[\d.]+ MB +[\d.]+ s *\r +\r$/,
    );
    expect(runs[1].err).toBe('');
    expect(runs[2].err).toBe('');
    expect(runs[3].err).toMatch(/^progress import 20\/40 files [\d.]+\/[\d.]+ MB +[\d.]+ s\nprogress import 40\/40 files /);
  });
});

describe('reassess shows its folds on a terminal only', () => {
  it('folds and training on a terminal; nothing when piped', async () => {
    const { syntheticItems } = await import('../reassess/test-helpers/corpus.js');
    const runs: { err: string; code: number }[] = [];
    for (const tty of [true, false]) {
      const fresh = await pgliteBackend.fresh();
      try {
        const store = await openStore({ db: fresh.db, env: {} });
        await store.import(syntheticItems('s', { traces: 60, seed: 3, maxLength: 40 }));
        await store.close();
        runs.push(await cli(['reassess', '--once', '--db', fresh.db, '--candidates', 'svc-5gram', '--folds', '3'], dir, tty));
      } finally {
        await fresh.cleanup();
      }
    }
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    expect(runs[0].err).toMatch(/^\rreassess: traces 60\/60 \(60 new or relabelled\) /);
    expect(runs[0].err).toMatch(/\rreassess: folds 3\/3 fold 3: svc-5gram /);
    expect(runs[0].err).toMatch(/\rreassess: training 0\/1 svc-5gram +[\d.]+ s *\r +\r$/);
    expect(runs[1].err).toBe('');
  });
});
