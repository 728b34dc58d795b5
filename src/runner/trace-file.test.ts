import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTraceFile, READ_BUFFER_BYTES, TRACE_FILE_NAME } from './trace-file.js';
import { traceProgram } from './index.js';
import type { LiveDetector } from './types.js';
import { NoCallsTracedError } from './errors.js';
import { detect } from '../api/detect.js';
import { loadModel, type Model } from '../model/model.js';
import { projectRoot, requireShared } from '../../test/shared.js';
import { collect, countingDetector, FAKE, RAW_BENIGN, tempDir, waitGone } from './test-helpers/fake.js';

requireShared();
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

const callLine = /^Nt\w+\(.*\) => /;
const rawCalls = readFileSync(RAW_BENIGN, 'latin1')
  .split('\n')
  .filter((l) => callLine.test(l)).length;

describe('createTraceFile (the private -out file, read as it grows)', () => {
  it('makes a 0700 folder with an empty 0600 file, reads every byte a writer appends, in order, through one buffer, and removes it all', async () => {
    const base = tempDir();
    const f = createTraceFile(base);
    cleanup.push(() => f.dispose());
    expect(readdirSync(base)).toEqual([f.dir.slice(base.length + 1)]);
    expect(f.path).toBe(join(f.dir, TRACE_FILE_NAME));
    expect(statSync(f.dir).mode & 0o777).toBe(0o700);
    expect(statSync(f.path).mode & 0o777).toBe(0o600);
    expect(statSync(f.path).size).toBe(0);
    // A writer that truncates the file (as NtTrace's ofstream does) and appends 3 MiB of a
    // position-dependent pattern in 48 pieces with pauses.
    const script =
      "const fs = require('fs'); const fd = fs.openSync(process.argv[1], 'w');" +
      'const b = Buffer.alloc(3 << 20); for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 11)) & 255;' +
      'let k = 0; const step = () => { fs.writeSync(fd, b.subarray(k << 16, (k + 1) << 16)); if (++k < 48) setTimeout(step, 5); }; step();';
    const expected = Buffer.alloc(3 << 20);
    for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + (i >> 11)) & 255;
    const parts: Buffer[] = [];
    const backing = new Set<ArrayBufferLike>();
    let largest = 0;
    let exited = false;
    let readBeforeExit = 0;
    f.start((chunk) => {
      if (!exited) readBeforeExit += chunk.length;
      backing.add(chunk.buffer);
      largest = Math.max(largest, chunk.length);
      parts.push(Buffer.from(chunk)); // the view is only valid during the call
    });
    const child = spawn(process.execPath, ['-e', script, f.path], { stdio: 'ignore' });
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    exited = true;
    await f.finish();
    const got = Buffer.concat(parts);
    expect(got.length).toBe(expected.length);
    expect(got.equals(expected)).toBe(true);
    expect(f.bytesRead).toBe(expected.length);
    expect(parts.length).toBeGreaterThanOrEqual(48);
    expect(readBeforeExit).toBeGreaterThan(1 << 20); // read while it grew, not only at the end
    expect(backing.size).toBe(1);
    expect(largest).toBeLessThanOrEqual(READ_BUFFER_BYTES);
    f.dispose();
    expect(existsSync(f.dir)).toBe(false);
    expect(readdirSync(base)).toEqual([]);
  });

  it('fails with TRACE_FILE_FAILED, leaving nothing, when the folder cannot be made', () => {
    const base = join(tempDir(), 'no', 'such');
    expect(() => createTraceFile(base)).toThrow(
      expect.objectContaining({ code: 'TRACE_FILE_FAILED', message: expect.stringMatching(/ENOENT/) }),
    );
  });
});

describe('traceProgram: the trace from -out, the program console apart', () => {
  let model: Model;
  const copies = 20; // ~2.6 MB: many full reads, lines cut at every read boundary
  let replayed: Buffer;

  beforeAll(async () => {
    model = await loadModel(join(projectRoot, 'models', 'default.ntmd'));
    const one = readFileSync(RAW_BENIGN);
    replayed = Buffer.concat(Array.from({ length: copies }, () => one));
  });

  it('gives the verdict and call count detect() gives on the bytes of the trace file, and saves them unchanged', async () => {
    const d = tempDir();
    const session = traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-repeat', String(copies), '-fake-batch', '1000000'],
      model,
      saveLog: join(d, 'saved.log'),
      traceDir: d,
    });
    const { events, error } = await collect(session);
    expect(error).toBeUndefined();
    const expected = await detect(replayed, { model });
    expect(expected.calls).toBeGreaterThan(10_000);
    const r = await session.result;
    expect(r).toMatchObject({ calls: expected.calls, exitCode: 0, signal: null, ended: 'exited', killed: false });
    expect(r.verdict).toEqual(expected);
    expect(events.map((e) => e.type)).toEqual(['exit', 'final']);
    expect(readFileSync(join(d, 'saved.log')).equals(replayed)).toBe(true);
    expect(readdirSync(d)).toEqual(['saved.log']); // the private folder is gone
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('never counts what the program prints: lines that look like calls, and text without a newline before a call', async () => {
    const d = tempDir();
    const printed: Buffer[] = [];
    // Before every line of the trace the "program" prints a fake call line, then a fragment
    // without a newline: through a shared stream the fragment would glue onto the next call.
    const console_ = 'NtNtmdInjected( Handle=0x24 ) => 0\nNtNtmdInjected(Handle=0x24) => 0\n    CSDVersion';
    const session = traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-batch', '1', '-fake-console', console_],
      detector: countingDetector(),
      saveLog: join(d, 'saved.log'),
      programOutput: (chunk) => printed.push(Buffer.from(chunk)),
    });
    const r = await session.result;
    expect(r.calls).toBe(rawCalls);
    const lines = readFileSync(RAW_BENIGN, 'latin1').split('\n').length - 1;
    expect(Buffer.concat(printed).toString('latin1')).toBe(console_.repeat(lines));
    expect(readFileSync(join(d, 'saved.log')).equals(readFileSync(RAW_BENIGN))).toBe(true);
  });

  it('writes the program output to a stream, and still sees "Detached" on stop', async () => {
    const d = tempDir();
    const chunks: string[] = [];
    const { PassThrough } = await import('node:stream');
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => chunks.push(b.toString('latin1')));
    const session = traceProgram({
      program: process.execPath,
      args: ['-e', "process.stdout.write('hello from the program\\n'); setInterval(() => {}, 1000)"],
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-spawn', '-fake-mode', 'hang', '-fake-pidfile', join(d, 'pid')],
      detector: countingDetector(),
      programOutput: sink,
      intervalMs: '20ms',
    });
    for await (const ev of session) if (ev.type === 'verdict' && ev.calls === rawCalls && chunks.join('').includes('hello')) break;
    const r = await session.result;
    expect(r).toMatchObject({ ended: 'stopped', detached: true, killed: false, calls: rawCalls });
    expect(chunks.join('')).toBe('hello from the program\nDetached\n');
    expect(await waitGone(Number(readFileSync(join(d, 'pid'), 'utf8')))).toBe(true);
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
    expect(r.calls).toBe(rawCalls * copies);
  });

  it('ends when the tracer exits although a process it started still holds its stdout (that process is killed)', async () => {
    const d = tempDir();
    const pidFile = join(d, 'grandchild.pid');
    const tracer = join(d, 'tracer-with-child.mjs');
    // A tracer that writes a log to -out, starts a long-lived process sharing its stdout, and exits.
    writeFileSync(
      tracer,
      [
        "import { spawn } from 'node:child_process';",
        "import { readFileSync, writeFileSync } from 'node:fs';",
        `writeFileSync(process.argv[3], readFileSync(${JSON.stringify(RAW_BENIGN)}));`,
        "const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'ignore'] });",
        `g.once('spawn', () => { writeFileSync(${JSON.stringify(pidFile)}, String(g.pid)); process.stdout.write('', () => process.exit(0)); });`,
      ].join('\n'),
    );
    const session = traceProgram({ program: process.execPath, nttrace: tracer, detector: countingDetector() });
    const { events, error } = await collect(session);
    expect(error).toBeUndefined();
    expect(await session.result).toMatchObject({ calls: rawCalls, exitCode: 0, ended: 'exited' });
    expect(events.at(-1)).toMatchObject({ type: 'final', calls: rawCalls });
    expect(await waitGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('refuses an -out among the NtTrace options (the runner owns it)', async () => {
    for (const out of ['-out', '/out']) {
      const s = traceProgram({ program: process.execPath, nttrace: FAKE, nttraceArgs: [out, 'x.log'], detector: countingDetector() });
      await expect(s.result).rejects.toMatchObject({ code: 'INVALID_OPTION', message: new RegExp(`-out.*received "${out}"`) });
      expect(s.tracerPid).toBeUndefined();
    }
  });

  it("says what it saw when no call was read: the lines, the first of them, NtTrace's stderr", async () => {
    const garbage = traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: ['-fake-mode', 'garbage', '-fake-after', '5'],
      detector: countingDetector(),
    });
    const e1 = (await collect(garbage)).error as NoCallsTracedError;
    expect(e1).toBeInstanceOf(NoCallsTracedError);
    expect(e1.lines).toBe(5);
    expect(e1.firstLines).toHaveLength(3);
    expect(e1.message).toMatch(
      /^NtTrace's trace held no system call: 5 lines, none a call line; first lines: "[^"]{40}", "[^"]{40}", "[^"]{40}"; NtTrace wrote nothing on stderr$/,
    );

    // A tracer that ignores -out and writes its trace to stdout, with a warning on stderr.
    const d = tempDir();
    const tracer = join(d, 'stdout-tracer.mjs');
    writeFileSync(
      tracer,
      `process.stderr.write('Warning: Only 227 entry points active out of 535\\n'); process.stdout.write(require_log());\nfunction require_log() { return ${JSON.stringify(readFileSync(RAW_BENIGN, 'latin1').split('\n').slice(0, 4).join('\n'))} + '\\n'; }\n`,
    );
    const s = traceProgram({ program: process.execPath, nttrace: tracer, detector: countingDetector() });
    const e2 = (await collect(s)).error as NoCallsTracedError;
    expect(e2).toMatchObject({ code: 'NO_CALLS_TRACED', lines: 0, traceBytes: 0 });
    const first3 = readFileSync(RAW_BENIGN, 'latin1')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .slice(0, 3);
    expect(first3[0]).toMatch(/^Process \d+ starting at /);
    expect(e2.message).toBe(
      `NtTrace wrote nothing to its trace file; NtTrace's stderr ends: "Warning: Only 227 entry points active out of 535"; ` +
        `its standard output (the program's console) began: ${first3.map((l) => JSON.stringify(l)).join(', ')}`,
    );
  });

  it('reports NtTrace\'s "Cannot open" for its trace file as TRACE_FILE_FAILED', async () => {
    const d = tempDir();
    const tracer = join(d, 'cannot-open.mjs');
    writeFileSync(tracer, "process.stderr.write('Cannot open: ' + process.argv[3] + '\\n'); process.exit(1);\n");
    const s = traceProgram({ program: process.execPath, nttrace: tracer, detector: countingDetector() });
    await expect(s.result).rejects.toMatchObject({
      code: 'TRACE_FILE_FAILED',
      message: /^NtTrace cannot open its trace file .*trace\.log \(Cannot open: .*trace\.log\); give a folder/,
    });
  });
});
