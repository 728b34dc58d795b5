import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusDir, requireShared } from '../../../test/shared.js';
import { runCli } from '../main.js';

requireShared();

const scratch = mkdtempSync(join(tmpdir(), 'ntmd-reduce-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sink(): { stream: PassThrough; bytes: () => Buffer } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (b: Buffer) => parts.push(b));
  return { stream, bytes: () => Buffer.concat(parts) };
}

async function cli(args: string[], stdin: Uint8Array = new Uint8Array(0)) {
  const out = sink();
  const err = sink();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    stdin: Readable.from([Buffer.from(stdin)]),
    env: {},
    cwd: corpusDir,
  });
  return { code, stdout: out.bytes(), stderr: err.bytes().toString('utf8') };
}

const raw = (['benign', 'malicious'] as const).flatMap((l) =>
  readdirSync(join(corpusDir, 'raw', l))
    .sort()
    .map((f) => ({ raw: join('raw', l, f), reduced: join(l === 'benign' ? 'sysBEN' : 'sysMAL', f), file: f })),
);

describe('ntmaldetect reduce', () => {
  it('prints every raw log of the corpus byte-for-byte as its corpus file', async () => {
    expect(raw.length).toBe(7);
    for (const r of raw) {
      const res = await cli(['reduce', r.raw]);
      expect(res.code).toBe(0);
      expect(res.stdout.equals(readFileSync(join(corpusDir, r.reduced)))).toBe(true);
    }
  });

  it('concatenates several inputs, reads - (gzip too) and prints --stats on stderr', async () => {
    const a = readFileSync(join(corpusDir, raw[0].raw));
    const res = await cli(['reduce', '--stats', raw[1].raw, '-'], gzipSync(a));
    expect(res.code).toBe(0);
    const expected = Buffer.concat([readFileSync(join(corpusDir, raw[1].reduced)), readFileSync(join(corpusDir, raw[0].reduced))]);
    expect(res.stdout.equals(expected)).toBe(true);
    const lines = res.stderr.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(new RegExp(`^${raw[1].raw}: raw, \\d+ lines: \\d+ calls, 0 pre-calls, \\d+ embedded calls`));
    expect(lines[1]).toMatch(/^-: raw, 896 lines: 844 calls, /);
  });

  it('writes one file per input with --out-dir', async () => {
    const dir = join(scratch, 'out-dir');
    const res = await cli(['reduce', '--out-dir', dir, ...raw.map((r) => r.raw)]);
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(raw.map((r) => r.file).sort());
    for (const r of raw) expect(readFileSync(join(dir, r.file)).equals(readFileSync(join(corpusDir, r.reduced)))).toBe(true);
  });

  it('reads folders and quoted patterns: --out-dir mirrors the tree; files there that are not traces are skipped, named ones refused', async () => {
    // cwd is the corpus: raw/ holds raw/benign/*.txt and raw/malicious/*.txt.
    const dir = join(scratch, 'tree');
    const res = await cli(['reduce', '--out-dir', dir, 'raw']);
    expect(res.code).toBe(0);
    for (const r of raw)
      expect(readFileSync(join(dir, r.raw.slice('raw/'.length))).equals(readFileSync(join(corpusDir, r.reduced))), r.raw).toBe(true);
    const printed = await cli(['reduce', 'raw/benign/*.txt']);
    expect(printed.code).toBe(0);
    const benign = raw.filter((r) => r.raw.startsWith('raw/benign/'));
    expect(printed.stdout.equals(Buffer.concat(benign.map((r) => readFileSync(join(corpusDir, r.reduced)))))).toBe(true);
    // A folder with notes, numbers and a trace: the trace only; named, the numbers are refused.
    const mixed = join(scratch, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'NOTES.md'), '# where these came from\n\nthe lab.\n');
    writeFileSync(join(mixed, 'numbers.txt'), '1\n2\n3\n4\n');
    writeFileSync(join(mixed, 'trace.txt'), 'NtOpenKey\nNtClose\n');
    const m = await cli(['reduce', mixed]);
    expect(m.code).toBe(0);
    expect(m.stdout.toString()).toBe('NtOpenKey\nNtClose\n');
    expect(m.stderr).toContain(`ntmaldetect reduce: skipped ${join(mixed, 'NOTES.md')}: not a trace (no call lines)\n`);
    expect(m.stderr).toContain(`ntmaldetect reduce: skipped ${join(mixed, 'numbers.txt')}: not a trace (its lines are not system calls)\n`);
    // Named, a reduced trace of other names is still reduced (reduce takes any names); a file without calls is an error.
    expect((await cli(['reduce', join(mixed, 'numbers.txt')])).stdout.toString()).toBe('1\n2\n3\n4\n');
    const notes = await cli(['reduce', join(mixed, 'NOTES.md')]);
    expect(notes.code).toBe(2);
    expect(notes.stderr).toMatch(/NOTES\.md holds no system call/);
    expect((await cli(['reduce', 'raw/*.none'])).stderr).toBe('ntmaldetect: reduce: raw/*.none: no file matches this pattern\n');
  });

  it('writes the one input to a file with --out / -o, replacing it only once the input was read', async () => {
    const target = join(scratch, 'one.txt');
    const res = await cli(['reduce', '--out', target, raw[0].raw]);
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBe(0);
    expect(readFileSync(target).equals(readFileSync(join(corpusDir, raw[0].reduced)))).toBe(true);
    expect((await cli(['reduce', '-o', target, raw[2].raw])).code).toBe(0);
    expect(readFileSync(target).equals(readFileSync(join(corpusDir, raw[2].reduced)))).toBe(true);
    // A bad input leaves the earlier output whole, and no temporary file.
    const bad = await cli(['reduce', '-o', target, '-'], Buffer.from('hello, world\nthis is a letter\n'));
    expect(bad.code).toBe(2);
    expect(readFileSync(target).equals(readFileSync(join(corpusDir, raw[2].reduced)))).toBe(true);
    expect(readdirSync(scratch).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await cli(['reduce', '-o', target, raw[0].raw, raw[1].raw])).stderr).toBe(
      'ntmaldetect: reduce: --out FILE takes one input (2 found): use --out-dir DIR for several\n',
    );
    expect((await cli(['reduce', '-o', target, '--out-dir', scratch, raw[0].raw])).code).toBe(2);
    const noDir = await cli(['reduce', '-o', join(scratch, 'missing', 'x.txt'), raw[0].raw]);
    expect(noDir.code).toBe(2);
    // Checked before reading: the path as given, and the folder that is missing.
    expect(noDir.stderr).toBe(
      `ntmaldetect: --out ${join(scratch, 'missing', 'x.txt')}: the folder ${join(scratch, 'missing')} does not exist\n`,
    );
    expect(existsSync(join(scratch, 'missing'))).toBe(false);
  });

  it('warns of a call cut by the end of the log (and reads it) and of lines in an unknown spelling', async () => {
    const log = join(scratch, 'cut.log');
    writeFileSync(log, 'NtClose(Handle=0x4) => 0\nNtOpenKey(KeyHandle=0x8) -> 0\nNtOpenFile(FileHandle=0x19f538 [0x198]');
    const res = await cli(['reduce', log]);
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe('NtClose\nNtOpenFile\n');
    expect(res.stderr).toBe(
      `ntmaldetect reduce: warning: ${log}: the log ends inside its last call line (truncated, or its tracer was stopped): that call is read\n` +
        `ntmaldetect reduce: warning: ${log}: 1 line starts like a call but end in an unknown spelling (not read); the first, line 2: "NtOpenKey(KeyHandle=0x8) -> 0"\n`,
    );
  });

  it('recovers embedded calls on request', async () => {
    const plain = await cli(['reduce', raw[1].raw]);
    const rec = await cli(['reduce', '--recover-embedded', raw[1].raw]);
    const n = (b: Buffer) => b.toString('latin1').split('\n').length - 1;
    expect(raw[1].file).toBe('LOG_bitsadmin.exe.txt');
    expect(n(rec.stdout) - n(plain.stdout)).toBe(6);
  });

  it('fails with one line and exit 2 on bad input and bad usage', async () => {
    const empty = await cli(['reduce', '-'], new Uint8Array(0));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('ntmaldetect: standard input is an empty trace (0 bytes): expected an NtTrace log or a reduced trace\n');
    const exe = await cli(['reduce', '-'], Buffer.from('MZ\x90\x00\x03\x00\x00\x00 This program cannot be run in DOS mode.\r\n', 'latin1'));
    expect(exe.code).toBe(2);
    expect(exe.stderr).toMatch(/^ntmaldetect: standard input holds no system call: expected .*like a Windows executable/);
    expect((await cli(['reduce'])).code).toBe(2);
    expect((await cli(['reduce', 'no/such/file'])).stderr).toBe('ntmaldetect: reduce: no/such/file: no such file or directory\n');
    expect((await cli(['reduce', '--format', 'xml', raw[0].raw])).stderr).toMatch(/--format must be raw, reduced or auto/);
    expect((await cli(['reduce', '--out-dir', '/tmp', '-'])).code).toBe(2);
  });
});
