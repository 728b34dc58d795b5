/**
 * The CLI on traces in other encodings: `scan` and `reduce` of a UTF-16 LE file with
 * byte-order mark (what Windows PowerShell 5's `ntrace app.exe > app.log` writes), and of its
 * other twins, print exactly what they print for the UTF-8 file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { runCliWith } from '../../test/cli.js';
import { corpusDir, projectRoot, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';
import { runCli } from './main.js';

requireShared();

const TWINS: Record<string, (text: string) => Uint8Array> = {
  'utf-8': (t) => Buffer.from(t, 'utf8'),
  'utf-16le-bom': (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  'utf-16be-bom': (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]),
  'utf-16le': (t) => Buffer.from(t, 'utf16le'),
  'utf-8-bom': (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]),
  'utf-16le-bom.gz': (t) => gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])),
};

/** A folder per twin, each holding the same traces under the same names. */
function twinFolders(): string {
  const root = scratchDir('ntmd-enc-cli-');
  const traces = {
    'cacls.log': readFileSync(join(corpusDir, 'raw', 'benign', 'LOG_cacls.exe.txt'), 'utf8'),
    'counter.log': readFileSync(join(corpusDir, 'raw', 'malicious', 'LOG_counter.exe.txt'), 'utf8'),
    'whoami.log': readFileSync(join(projectRoot, 'fixtures', 'nttrace', 'whoami.master.log'), 'utf8'),
  };
  for (const [twin, encode] of Object.entries(TWINS)) {
    mkdirSync(join(root, twin));
    for (const [name, text] of Object.entries(traces)) writeFileSync(join(root, twin, name), encode(text));
  }
  return root;
}

describe('scan and reduce read every encoding of a trace as its UTF-8 file', () => {
  const root = twinFolders();
  const names = ['cacls.log', 'counter.log', 'whoami.log'];

  it('scan (table and --json, files and a folder) prints the same for every twin', async () => {
    const want = await runCliWith(['scan', ...names], { cwd: join(root, 'utf-8') });
    // (Exit 1: a malicious verdict.)
    expect(want.code).toBe(1);
    expect(want.stdout).toMatch(/cacls\.log +benign/);
    expect(want.stdout).toMatch(/counter\.log +MALICIOUS/);
    expect(want.stdout).toMatch(/whoami\.log +unfamiliar/);
    const wantJson = await runCliWith(['scan', '--json', '.'], { cwd: join(root, 'utf-8') });
    expect(wantJson.stdout.trim().split('\n')).toHaveLength(3);
    for (const twin of Object.keys(TWINS)) {
      const got = await runCliWith(['scan', ...names], { cwd: join(root, twin) });
      expect({ twin, ...got }).toEqual({ twin, ...want });
      const json = await runCliWith(['scan', '--json', '.'], { cwd: join(root, twin) });
      expect({ twin, ...json }).toEqual({ twin, ...wantJson });
    }
  });

  it('reduce prints the same calls for every twin, from files and from standard input', async () => {
    const want = await runCliWith(['reduce', ...names], { cwd: join(root, 'utf-8') });
    expect(want.code).toBe(0);
    expect(want.stdout.split('\n').length).toBeGreaterThan(1000);
    for (const twin of Object.keys(TWINS)) {
      const got = await runCliWith(['reduce', ...names], { cwd: join(root, twin) });
      expect({ twin, ...got }).toEqual({ twin, ...want });
    }
    // `reduce -` with UTF-16 on standard input, in chunks that split code units.
    const bytes = readFileSync(join(root, 'utf-16le-bom', 'cacls.log'));
    const pieces: Buffer[] = [];
    for (let k = 0; k < bytes.length; k += 1001) pieces.push(bytes.subarray(k, k + 1001));
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (b: Buffer) => parts.push(b));
    const code = await runCli(['reduce', '-'], {
      stdout: out,
      stderr: new PassThrough(),
      stdin: Readable.from(pieces),
      env: {},
      cwd: root,
    });
    expect(code).toBe(0);
    const single = await runCliWith(['reduce', 'cacls.log'], { cwd: join(root, 'utf-8') });
    expect(Buffer.concat(parts).toString('utf8')).toBe(single.stdout);
  });
});
