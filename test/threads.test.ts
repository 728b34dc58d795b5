/**
 * Threads (issue #22, src/threads.ts) with real worker threads: the built package (`dist/`,
 * where the worker scripts exist; `npm test` builds it first). With `--threads 2` / `threads: 2`
 * the results must be those of one thread: the same model bytes, the same scan output, the
 * same bench figures, the same errors. Inputs are the shared corpus (large enough that both
 * threads take documents: a worker is ready after 70-100 ms).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from './cli.js';
import { corpusDir, projectRoot, requireShared } from './shared.js';
import { scratchDir } from './tmp.js';

const CLI = resolve(projectRoot, 'dist', 'bin', 'main.js');

function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
}

/** `node dist/bin/main.js ...args` (the bundled CLI): exit code and both outputs (a hung thread fails by the timeout). */
function cli(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function dist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(resolve(projectRoot, 'dist', path)).href)) as T;
}

type TrainModule = typeof import('../src/api/train.js');
type ThreadsModule = typeof import('../src/threads.js');
type BenchModule = typeof import('../src/eval/bench.js');
type CvModule = typeof import('../src/eval/cv.js');
type StoreModule = typeof import('../src/store/index.js');

describe('threads (built package)', () => {
  let dir: string;
  beforeAll(() => {
    requireBuilt();
    requireShared();
    dir = scratchDir('ntmd-threads-');
  });

  it('train({ threads: 2 }) writes the model of one thread, byte for byte, on worker threads', async () => {
    const { train } = await dist<TrainModule>('api/train.js');
    const threads = await dist<ThreadsModule>('threads.js');
    for (const preset of ['ntmaldetect-2018', 'default']) {
      const one = await train(corpusDir, { preset, threads: 1 });
      const before = threads.threadsStarted;
      const two = await train(corpusDir, { preset, threads: 2 });
      expect(threads.threadsStarted).toBe(before + 1);
      expect(Buffer.from(two.toBytes()).equals(Buffer.from(one.toBytes()))).toBe(true);
    }
  }, 120_000);

  it('train --threads 2 writes the same file; a bad trace fails as with one thread', () => {
    const a = join(dir, 'one.ntmd');
    const b = join(dir, 'two.ntmd');
    const r1 = cli(['train', '--corpus', corpusDir, '--preset', 'ntmaldetect-2018', '--out', a, '--threads', '1'], dir);
    const r2 = cli(['train', '--corpus', corpusDir, '--preset', 'ntmaldetect-2018', '--out', b, '--threads', '2'], dir);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    expect(spawnSync('cmp', [a, b]).status).toBe(0);

    // A corpus with a file that is not a trace, late in the list: the same typed error, exit 2.
    const bad = join(dir, 'bad-corpus');
    for (const sub of ['sysBEN', 'sysMAL']) {
      mkdirSync(join(bad, sub), { recursive: true });
      for (const f of readdirSync(join(corpusDir, sub)).slice(0, 30)) copyFileSync(join(corpusDir, sub, f), join(bad, sub, f));
    }
    writeFileSync(join(bad, 'sysMAL', 'zz-program.exe'), Buffer.concat([Buffer.from('MZ\x90\x00'), Buffer.alloc(5000, 7)]));
    const e1 = cli(['train', '--corpus', bad, '--out', join(dir, 'x.ntmd'), '--threads', '1'], dir);
    const e2 = cli(['train', '--corpus', bad, '--out', join(dir, 'y.ntmd'), '--threads', '2'], dir);
    expect(e1.code).toBe(2);
    expect(e1.err).toMatch(/zz-program\.exe/);
    expect(e2).toEqual(e1);
  }, 120_000);

  it('Ctrl+C ends train --threads 2 with its threads', async () => {
    const child = spawn(process.execPath, [CLI, 'train', '--corpus', corpusDir, '--out', join(dir, 'int.ntmd'), '--threads', '2'], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 400));
    const t = performance.now();
    child.kill('SIGINT');
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' }); // killed mid-training: nothing keeps it alive
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(existsSync(join(dir, 'int.ntmd'))).toBe(false);
  }, 60_000);

  it('scan --threads 2 prints what one thread prints, in the same order (JSON and table)', () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed, { recursive: true });
    writeFileSync(join(mixed, 'empty.txt'), '');
    writeFileSync(join(mixed, 'program.exe'), Buffer.concat([Buffer.from('MZ\x90\x00'), Buffer.alloc(3000, 1)]));
    writeFileSync(join(mixed, 'short.txt'), 'NtClose\nNtClose\n');
    const named = join(dir, 'named-not-a-trace.txt');
    writeFileSync(named, 'hello\nworld\n');
    const args = [join(corpusDir, 'sysBEN'), join(corpusDir, 'sysMAL'), mixed, named, join(dir, 'missing.txt')];
    for (const mode of [['--json'], []]) {
      const one = cli(['scan', ...mode, '--threads', '1', ...args], dir);
      const two = cli(['scan', ...mode, '--threads', '2', ...args], dir);
      expect(one.code).toBe(1);
      expect(one.out.split('\n').length).toBeGreaterThan(215);
      expect(two).toEqual(one);
    }
  }, 120_000);

  it('runBench({ threads: 2 }) gives the figures of one thread', async () => {
    const { runBench } = await dist<BenchModule>('eval/bench.js');
    const { summaryJson } = await dist<CvModule>('eval/cv.js');
    const opts = { corpus: corpusDir, folds: 3, models: 'ntmaldetect-2018,sgd-2018' };
    const strip = (r: Awaited<ReturnType<typeof runBench>>): unknown =>
      summaryJson(r).results.map(({ fitSeconds: _f, predictSeconds: _p, ...rest }) => rest);
    const one = await runBench({ ...opts, threads: 1 });
    const threads = await dist<ThreadsModule>('threads.js');
    const before = threads.threadsStarted;
    const two = await runBench({ ...opts, threads: 2 });
    expect(threads.threadsStarted).toBe(before + 1);
    expect(strip(two)).toEqual(strip(one));
    expect(one.results.length).toBeGreaterThan(4);
    expect([...two.predictions.keys()]).toEqual([...one.predictions.keys()]);
    for (const [k, p] of one.predictions)
      expect(Buffer.from(two.predictions.get(k)!.scores.buffer).equals(Buffer.from(p.scores.buffer))).toBe(true);
  }, 240_000);

  it('store import --threads 2 stores the rows of one thread', async () => {
    const { openStore } = await dist<StoreModule>('store/index.js');
    const rows = async (threads: number): Promise<unknown> => {
      const store = await openStore({ db: 'memory://' });
      try {
        const report = await store.import(corpusDir, { threads });
        expect(report.traces).toBe(208);
        const db = (store as unknown as { db: { query<T>(sql: string): Promise<T[]> } }).db;
        const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
        const traces = await db.query<{ sequence: Uint8Array }>(
          'SELECT sha256, calls, distinct_calls, reduced_bytes, encoding, sequence FROM ntmd_traces ORDER BY sha256',
        );
        const subs = await db.query<{ original: Uint8Array | null; raw: Uint8Array | null }>(
          `SELECT s.name, s.source, s.file_sha256, s.file_bytes, s.format, s.label, t.sha256 AS trace, s.original, r.content AS raw
           FROM ntmd_submissions s LEFT JOIN ntmd_traces t ON t.id = s.trace_id LEFT JOIN ntmd_raw_logs r ON r.submission_id = s.id
           ORDER BY s.name, s.file_sha256`,
        );
        return {
          traces: traces.map((t) => ({ ...t, sequence: hex(t.sequence) })),
          subs: subs.map((r) => ({ ...r, original: hex(r.original), raw: hex(r.raw) })),
        };
      } finally {
        await store.close();
      }
    };
    const one = await rows(1);
    const threads = await dist<ThreadsModule>('threads.js');
    const before = threads.threadsStarted;
    const two = await rows(2);
    expect(threads.threadsStarted).toBe(before + 1);
    expect(two).toEqual(one);
  }, 240_000);
});

describe('ThreadGroup (built)', () => {
  /** A worker script (in a scratch folder) serving `square` (fails on 13 with a code) and `slow`. */
  function script(body = ''): URL {
    const dir = scratchDir('ntmd-group-');
    const file = join(dir, 'worker.mjs');
    const threadsJs = pathToFileURL(resolve(projectRoot, 'dist', 'threads.js')).href;
    writeFileSync(
      file,
      `import { serveJobs } from ${JSON.stringify(threadsJs)};\n${body}\n` +
        `await serveJobs({ square: (d) => ({ item(i) { if (i === d.bad || i >= (d.badFrom ?? Infinity)) throw Object.assign(new Error('bad item ' + i), { code: 'BAD' }); ` +
        `const t = Date.now(); while (Date.now() - t < 2); return new Float64Array([i * i]); } }) });\n`,
    );
    return pathToFileURL(file);
  }

  it('shares the items, returns them by index, and reports the lowest failing item as this thread throws it', async () => {
    requireBuilt();
    const { ThreadGroup } = await dist<ThreadsModule>('threads.js');
    const group = await ThreadGroup.start(script(), 1);
    try {
      // This thread sleeps 2 ms an item, so the worker (ready within ~50-250 ms) takes some.
      const slowSquare = {
        item: async (i: number): Promise<Float64Array> => {
          await new Promise((r) => setTimeout(r, 2));
          return new Float64Array([i * i]);
        },
      };
      const r = await group.run('square', { bad: -1 }, 400, slowSquare);
      expect(r.items.map((x) => x[0])).toEqual(Array.from({ length: 400 }, (_, i) => i * i));
      expect(r.ends).toHaveLength(2);
      expect(r.ends[1].items.length).toBeGreaterThan(0); // the worker took some
      // Every item the worker takes fails: this thread runs the lowest again; it succeeds here,
      // so the worker's error (message and code) is thrown.
      await expect(group.run('square', { badFrom: 0 }, 400, slowSquare)).rejects.toMatchObject({
        message: expect.stringMatching(/^bad item \d+$/),
        code: 'BAD',
      });
      // When the item fails in this thread too, this thread's own error (its class) is thrown.
      class LocalError extends Error {}
      const failing = {
        item: async (i: number): Promise<Float64Array> => {
          await new Promise((r) => setTimeout(r, 2));
          throw new LocalError(`local ${i}`);
        },
      };
      await expect(group.run('square', { badFrom: 0 }, 400, failing)).rejects.toBeInstanceOf(LocalError);
    } finally {
      await group.close();
    }
  });

  it('rejects a job when its worker dies, and starts no more work after close', async () => {
    requireBuilt();
    const { ThreadGroup } = await dist<ThreadsModule>('threads.js');
    const group = await ThreadGroup.start(script("throw new Error('the script fails to start');"), 1);
    try {
      const local = {
        item: async (i: number): Promise<number> => {
          await new Promise((r) => setTimeout(r, 5));
          return i;
        },
      };
      await expect(group.run('square', { bad: -1 }, 100, local)).rejects.toThrow('the script fails to start');
    } finally {
      await group.close();
    }
    await expect(group.run('square', {}, 1, { item: (i: number) => i })).rejects.toThrow('closed');
  });
});

describe('--threads', () => {
  it.each([
    ['scan', '0'],
    ['train', '-1'],
    ['bench', 'abc'],
    ['store', '1.5'],
  ])('%s --threads=%s is a usage error naming the option (exit 2)', async (command, value) => {
    // scan and store import need a positional argument; train and bench take none.
    const args =
      command === 'store'
        ? ['store', 'import', `--threads=${value}`, 'x']
        : [command, `--threads=${value}`, ...(command === 'scan' ? ['x'] : [])];
    const r = await runCliCaptured(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--threads must be an integer from 1 to 256 or auto, got "${value}"`);
  });

  it('train({ threads: 0 }) is an invalid option', async () => {
    const { train } = await import('../src/api/train.js');
    await expect(train(corpusDir, { threads: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION', option: 'threads' });
  });
});
