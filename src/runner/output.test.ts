import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutputSocket, ownsOutputChannel, READ_BUFFER_BYTES } from './output.js';
import { traceProgram } from './index.js';
import type { LiveDetector, RunEvent } from './types.js';
import { detect } from '../api/detect.js';
import { loadModel, type Model } from '../model/model.js';
import { projectRoot, requireShared } from '../../test/shared.js';
import { collect, countingDetector, FAKE, RAW_BENIGN, tempDir, waitGone } from './test-helpers/fake.js';

requireShared();
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** Runs `fn` with TMPDIR set to `dir` (where the socket's directory is made). */
async function withTmpdir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    expect(tmpdir()).toBe(dir);
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** A directory whose path is too long for a Unix socket name (over 108 bytes). */
const longDir = (): string => join(tempDir(), 'x'.repeat(60), 'y'.repeat(60));

const closed = (s: NodeJS.EventEmitter): Promise<void> => new Promise((r) => s.once('close', () => r()));

describe('openOutputSocket (the tracer stdout read into one reused buffer)', () => {
  it('is used off Windows only', () => {
    expect(ownsOutputChannel('linux')).toBe(true);
    expect(ownsOutputChannel('darwin')).toBe(true);
    expect(ownsOutputChannel('win32')).toBe(false);
  });

  it('delivers every byte a child writes, in order, as views of one buffer, then ends when the child exits', async () => {
    // 3 MiB of a position-dependent pattern, written in 1 MiB writes (many reads each).
    const script =
      'const b = Buffer.alloc(3 << 20); for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 11)) & 255;' +
      'for (let k = 0; k < 3; k++) process.stdout.write(b.subarray(k << 20, (k + 1) << 20));';
    const expected = Buffer.alloc(3 << 20);
    for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + (i >> 11)) & 255;
    const parts: Buffer[] = [];
    const backing = new Set<ArrayBufferLike>();
    let largest = 0;
    const privateTmp = tempDir();
    const out = await withTmpdir(privateTmp, () =>
      openOutputSocket((chunk) => {
        backing.add(chunk.buffer);
        largest = Math.max(largest, chunk.length);
        parts.push(Buffer.from(chunk)); // the view is only valid during the call
      }),
    );
    expect(out).toBeDefined();
    expect(readdirSync(privateTmp)).toEqual([]); // socket directory removed once connected
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', out!.childEnd, 'ignore'] });
    out!.release();
    const exit = new Promise((r) => child.once('exit', r));
    await closed(out!.reader); // end of file: the parent's copy of the child's end is closed
    expect(await exit).toBe(0);
    const got = Buffer.concat(parts);
    expect(got.length).toBe(expected.length);
    expect(got.equals(expected)).toBe(true);
    expect(parts.length).toBeGreaterThan(3);
    expect(backing.size).toBe(1);
    expect(largest).toBeLessThanOrEqual(READ_BUFFER_BYTES);
    out!.destroy();
  });

  it('stays open while a process the child started still holds its stdout, and ends when that one exits', async () => {
    // The child starts a grandchild sharing its stdout, waits for its line, and exits.
    const script =
      "const g = require('child_process').spawn(process.execPath, ['-e', 'console.log(\"grandchild \" + process.pid); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'ignore'] });" +
      "console.log('child ' + process.pid); g.unref(); setTimeout(() => process.exit(0), 50);";
    let text = '';
    let sawGrandchild: (pid: number) => void = () => {};
    const grandchildPid = new Promise<number>((r) => (sawGrandchild = r));
    const out = await openOutputSocket((chunk) => {
      text += chunk.toString('latin1');
      const m = /grandchild (\d+)\n/.exec(text);
      if (m) sawGrandchild(Number(m[1]));
    });
    expect(out).toBeDefined();
    cleanup.push(() => out!.destroy());
    let ended = false;
    const end = closed(out!.reader).then(() => (ended = true));
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', out!.childEnd, 'ignore'] });
    const exit = new Promise((r) => child.once('exit', r));
    out!.release();
    const pid = await grandchildPid;
    cleanup.push(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
    expect(await exit).toBe(0);
    expect(ended).toBe(false);
    expect(out!.reader.readableEnded).toBe(false);
    process.kill(pid, 'SIGKILL');
    await end;
    expect(ended).toBe(true);
    expect(text).toMatch(/^(child \d+\ngrandchild \d+\n|grandchild \d+\nchild \d+\n)$/);
  });

  it('gives up (so the caller uses a pipe) when the socket cannot be made, leaving nothing behind', async () => {
    const dir = longDir();
    await withTmpdir(dir, async () => {
      expect(await openOutputSocket(() => {})).toBeUndefined();
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('traceProgram reading through the reused buffer', () => {
  let model: Model;
  const copies = 20; // ~2.6 MB: many full reads, lines cut at every read boundary
  let replayed: Buffer;
  /** The fake tracer replaying the raw log `copies` times, as fast as it can, saved to `saveLog`. */
  const replay = (saveLog: string) =>
    traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-repeat', String(copies), '-fake-batch', '1000000'],
      model,
      saveLog,
    });

  beforeAll(async () => {
    model = await loadModel(join(projectRoot, 'models', 'default.ntmd'));
    const one = readFileSync(RAW_BENIGN);
    replayed = Buffer.concat(Array.from({ length: copies }, () => one));
  });

  it('gives the verdict and call count detect() gives on the same bytes, and saves them unchanged', async () => {
    const d = tempDir();
    const session = replay(join(d, 'saved.log'));
    const { events, error } = await collect(session);
    expect(error).toBeUndefined();
    const expected = await detect(replayed, { model });
    expect(expected.calls).toBeGreaterThan(10_000);
    const r = await session.result;
    expect(r).toMatchObject({ calls: expected.calls, exitCode: 0, signal: null, ended: 'exited', killed: false });
    expect(r.verdict).toEqual(expected);
    expect(events.map((e) => e.type)).toEqual(['exit', 'final']);
    expect(readFileSync(join(d, 'saved.log')).equals(replayed)).toBe(true);
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('gives a detector that does not declare borrowsChunks chunks of its own, which it may keep', async () => {
    const kept: Uint8Array[] = [];
    const inner = countingDetector();
    const det: LiveDetector = {
      push(chunk) {
        kept.push(chunk); // kept past the call: must not be overwritten by later reads
        inner.push(chunk);
      },
      get calls() {
        return inner.calls;
      },
      verdict: () => inner.verdict(),
      end: () => inner.end(),
    };
    const session = traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-repeat', String(copies), '-fake-batch', '1000000'],
      detector: det,
    });
    const r = await session.result;
    expect(kept.length).toBeGreaterThan(copies);
    expect(Buffer.concat(kept).equals(replayed)).toBe(true);
    expect(r.calls).toBe((await detect(replayed, { model })).calls);
  });

  it('ends when the tracer exits although a process it started still holds its stdout (that process is killed)', async () => {
    const d = tempDir();
    const pidFile = join(d, 'grandchild.pid');
    const tracer = join(d, 'tracer-with-child.mjs');
    // A tracer that writes a log, starts a long-lived process sharing its stdout, and exits.
    writeFileSync(
      tracer,
      [
        "import { spawn } from 'node:child_process';",
        "import { readFileSync, writeFileSync } from 'node:fs';",
        `process.stdout.write(readFileSync(${JSON.stringify(RAW_BENIGN)}));`,
        "const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'ignore'] });",
        `g.once('spawn', () => { writeFileSync(${JSON.stringify(pidFile)}, String(g.pid)); process.stdout.write('', () => process.exit(0)); });`,
      ].join('\n'),
    );
    const session = traceProgram({ program: process.execPath, nttrace: tracer, detector: countingDetector() });
    const { events, error } = await collect(session);
    expect(error).toBeUndefined();
    const rawCalls = readFileSync(RAW_BENIGN, 'latin1').split('\n').filter((l) => /^Nt\w+\(.*\) => /.test(l)).length;
    expect(await session.result).toMatchObject({ calls: rawCalls, exitCode: 0, ended: 'exited' });
    expect(events.at(-1)).toMatchObject({ type: 'final', calls: rawCalls });
    expect(await waitGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('falls back to a pipe when the socket cannot be made, with the same calls and log', async () => {
    const d = tempDir();
    const r = await withTmpdir(longDir(), async () => {
      const session = replay(join(d, 'saved.log'));
      const events: RunEvent[] = (await collect(session)).events;
      expect(events.at(-1)).toMatchObject({ type: 'final' });
      return session.result;
    });
    const expected = await detect(replayed, { model });
    expect(r).toMatchObject({ calls: expected.calls, exitCode: 0, ended: 'exited' });
    expect(r.verdict).toEqual(expected);
    expect(readFileSync(join(d, 'saved.log')).equals(replayed)).toBe(true);
  });
});
