/**
 * A user's plain mistakes get plain answers: every command, given a missing file, a folder
 * where a file is expected (and the reverse), an unwritable output, a model of another
 * format, bad JSON or an unknown name, exits 2 with one clear line naming what is wrong,
 * before any work, and never with "internal error".
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliWith } from '../../test/cli.js';
import { corpusDir, projectRoot, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';

requireShared();

const dir = scratchDir('ntmd-mistakes-');
// A small corpus (4 + 4 traces), one trace, a folder, and files of the wrong kinds.
for (const [sub, n] of [
  ['sysBEN', 4],
  ['sysMAL', 4],
] as const) {
  mkdirSync(join(dir, 'corpus', sub), { recursive: true });
  for (const f of readdirSync(join(corpusDir, sub)).sort().slice(0, n)) copyFileSync(join(corpusDir, sub, f), join(dir, 'corpus', sub, f));
}
const traceName = readdirSync(join(corpusDir, 'sysBEN')).sort()[0];
copyFileSync(join(corpusDir, 'sysBEN', traceName), join(dir, 'trace.txt'));
mkdirSync(join(dir, 'folder'));
writeFileSync(join(dir, 'bad.json'), '{\n  "tfidf": {\n    "sublinearTf": true,\n  }\n}\n');
writeFileSync(join(dir, 'folds.json'), '{\n  "all": [1, 2\n');
writeFileSync(join(dir, 'not-a-model.ntmd'), 'hello, I am a text file\n');
writeFileSync(join(dir, 'not-a-key.pem'), 'just text\n');
const shipped = readFileSync(join(projectRoot, 'models', 'default.ntmd'));
writeFileSync(join(dir, 'truncated.ntmd'), shipped.subarray(0, 100));
const future = Buffer.from(shipped);
future.writeUInt16LE(99, 8); // the container's format version (docs/model-format.md)
writeFileSync(join(dir, 'future.ntmd'), future);
const db = join(scratchDir('ntmd-mistakes-db-'), 'store'); // absolute: --db is taken as given

/** [what, arguments, the message expected on standard error]. */
const CASES: [string, string[], RegExp][] = [
  // train: the output path is checked before the training.
  [
    'train --out into a missing folder',
    ['train', '--corpus', 'corpus', '--out', 'no/such/m.ntmd'],
    /^ntmaldetect: --out no\/such\/m\.ntmd: the folder no\/such does not exist$/,
  ],
  [
    'train --out a folder',
    ['train', '--corpus', 'corpus', '--out', 'folder'],
    /^ntmaldetect: --out folder: is a folder: give a file path$/,
  ],
  [
    'train --out under a file',
    ['train', '--corpus', 'corpus', '--out', 'trace.txt/m.ntmd'],
    /^ntmaldetect: --out trace\.txt\/m\.ntmd: trace\.txt is not a folder$/,
  ],
  [
    'train --corpus a file',
    ['train', '--corpus', 'trace.txt', '--out', 'm.ntmd'],
    /trace\.txt is a file, not a folder: expected a corpus folder holding sysBEN\/ and sysMAL\/$/,
  ],
  ['train --corpus missing', ['train', '--corpus', 'nosuch', '--out', 'm.ntmd'], /nosuch not found: expected a corpus folder/],
  [
    'train --benign missing',
    ['train', '--benign', 'nosuch', '--malicious', 'trace.txt', '--out', 'm.ntmd'],
    /nosuch not found: expected a folder of traces or a trace file$/,
  ],
  [
    'train --config bad JSON',
    ['train', '--corpus', 'corpus', '--config', 'bad.json', '--out', 'm.ntmd'],
    /^ntmaldetect: --config bad\.json: not valid JSON at line 4, column 3: /,
  ],
  [
    'train --config a folder',
    ['train', '--corpus', 'corpus', '--config', 'folder', '--out', 'm.ntmd'],
    /^ntmaldetect: --config folder: cannot read it: is a folder, not a file$/,
  ],
  [
    'train --config missing',
    ['train', '--corpus', 'corpus', '--config', 'nosuch.json', '--out', 'm.ntmd'],
    /^ntmaldetect: --config nosuch\.json: cannot read it: no such file$/,
  ],
  [
    'train --preset unknown',
    ['train', '--corpus', 'corpus', '--preset', 'nosuch', '--out', 'm.ntmd'],
    /^ntmaldetect: unknown preset "nosuch"; known presets: .*ntmaldetect-2018/,
  ],
  [
    'train --sign-key a folder',
    ['train', '--corpus', 'corpus', '--sign-key', 'folder', '--out', 'm.ntmd'],
    /^ntmaldetect: cannot read the signing key folder: is a folder, not a file$/,
  ],
  [
    'train --sign-key not PEM',
    ['train', '--corpus', 'corpus', '--sign-key', 'not-a-key.pem', '--out', 'm.ntmd'],
    /^ntmaldetect: the signing key not-a-key\.pem is not a PEM key file/,
  ],
  // Models: missing, a folder, not a model, truncated, a newer format version.
  [
    'scan --model missing',
    ['scan', '--model', 'nosuch.ntmd', 'trace.txt'],
    /^ntmaldetect: nosuch\.ntmd: cannot read the model file: no such file$/,
  ],
  ['scan --model a folder', ['scan', '--model', 'folder', 'trace.txt'], /^ntmaldetect: folder: cannot read the model file: is a folder$/],
  [
    'scan --model not a model',
    ['scan', '--model', 'not-a-model.ntmd', 'trace.txt'],
    /^ntmaldetect: not-a-model\.ntmd: not an ntmaldetect model file/,
  ],
  [
    'scan --model truncated',
    ['scan', '--model', 'truncated.ntmd', 'trace.txt'],
    /^ntmaldetect: truncated\.ntmd: model file is truncated: 100 bytes/,
  ],
  [
    'scan --model future version',
    ['scan', '--model', 'future.ntmd', 'trace.txt'],
    /^ntmaldetect: future\.ntmd: model format version 99 is newer than the supported version \d+: upgrade ntmaldetect$/,
  ],
  [
    'scan --trust-key not PEM',
    ['scan', '--trust-key', 'not-a-key.pem', 'trace.txt'],
    /^ntmaldetect: the trust key not-a-key\.pem is not a PEM key file/,
  ],
  [
    'explain --model future version',
    ['explain', '--model', 'future.ntmd', 'trace.txt'],
    /^ntmaldetect: future\.ntmd: model format version 99 is newer/,
  ],
  ['features --model a folder', ['features', '--model', 'folder'], /^ntmaldetect: folder: cannot read the model file: is a folder$/],
  [
    'run --model truncated',
    ['run', '--model', 'truncated.ntmd', '--', 'prog.exe'],
    /^ntmaldetect: truncated\.ntmd: model file is truncated/,
  ],
  // worker: the model is read once, before the first claim (no server listens on port 9).
  [
    'worker --model truncated',
    ['worker', '--server', 'http://127.0.0.1:9', '--token', 't', '--model', 'truncated.ntmd'],
    /^ntmaldetect: truncated\.ntmd: model file is truncated/,
  ],
  // Traces.
  ['explain a missing trace', ['explain', 'nosuch.txt'], /^ntmaldetect: nosuch\.txt: cannot read the trace: no such file$/],
  ['explain a folder', ['explain', 'folder'], /^ntmaldetect: folder: cannot read the trace: is a folder, not a trace file$/],
  // reduce.
  [
    'reduce -o into a missing folder',
    ['reduce', '-o', 'no/out.txt', 'trace.txt'],
    /^ntmaldetect: --out no\/out\.txt: the folder no does not exist$/,
  ],
  ['reduce -o a folder', ['reduce', '-o', 'folder', 'trace.txt'], /^ntmaldetect: --out folder: is a folder: give a file path$/],
  [
    'reduce --out-dir a file',
    ['reduce', '--out-dir', 'trace.txt', 'trace.txt'],
    /^ntmaldetect: --out-dir trace\.txt: is a file, not a folder$/,
  ],
  // bench: the report folder, the folds file and the models before the corpus is read.
  [
    'bench --report a file',
    ['bench', '--corpus', 'corpus', '--folds', '2', '--report', 'trace.txt'],
    /^ntmaldetect: --report trace\.txt: is a file, not a folder$/,
  ],
  [
    'bench --report under a file',
    ['bench', '--corpus', 'corpus', '--folds', '2', '--report', 'trace.txt/r'],
    /^ntmaldetect: --report trace\.txt\/r: trace\.txt is a file, not a folder$/,
  ],
  [
    'bench --folds-file bad JSON',
    ['bench', '--corpus', 'corpus', '--folds-file', 'folds.json'],
    /^ntmaldetect: --folds-file folds\.json: not valid JSON at line 3, column 1: /,
  ],
  [
    'bench --folds-file missing',
    ['bench', '--corpus', 'corpus', '--folds-file', 'nosuch.json'],
    /^ntmaldetect: --folds-file nosuch\.json: cannot read it: no such file$/,
  ],
  [
    'bench --models unknown preset',
    ['bench', '--corpus', 'corpus', '--folds', '2', '--models', 'nosuch'],
    /^ntmaldetect: unknown preset "nosuch"/,
  ],
  [
    'bench --models file: missing',
    ['bench', '--corpus', 'corpus', '--folds', '2', '--models', 'file:nosuch.ntmd'],
    /nosuch\.ntmd: cannot read the model file: no such file$/,
  ],
  ['bench --corpus a file', ['bench', '--corpus', 'trace.txt'], /trace\.txt is a file, not a folder: expected a corpus folder/],
  // store and the commands that open one.
  [
    'store --db a file',
    ['store', 'init', '--db', join(dir, 'trace.txt')],
    /^ntmaldetect: store \S+trace\.txt: the path is a file \(or under one\), not a folder: an embedded store is a folder$/,
  ],
  ['models --db a file', ['models', 'list', '--db', join(dir, 'trace.txt')], /^ntmaldetect: store \S+trace\.txt: the path is a file/],
  ['store import a file', ['store', 'import', 'trace.txt', '--db', db], /^ntmaldetect: store import trace\.txt: is a file, not a folder$/],
  ['store import missing', ['store', 'import', 'nosuch', '--db', db], /^ntmaldetect: store import nosuch: no such folder$/],
  [
    'store import --benign missing',
    ['store', 'import', '--benign', 'nosuch', '--malicious', 'trace.txt', '--db', db],
    /^ntmaldetect: --benign nosuch: no such file or folder$/,
  ],
  [
    'store export into a file',
    ['store', 'export', 'trace.txt', '--db', db],
    /^ntmaldetect: store export trace\.txt: is a file, not a folder$/,
  ],
  [
    'reassess --metric unknown, before the store is opened',
    ['reassess', '--once', '--metric', 'bogus', '--db', join(dir, 'never-made')],
    /^ntmaldetect: --metric must be one of accuracy, f1, rocAuc, prAuc, tprAtFpr01, tprAtFpr05, got "bogus"$/,
  ],
  // A model id that is not in the store: said at once (this used to hang on an embedded store).
  ['models promote an unknown id', ['models', 'promote', '999', '--db', db], /^ntmaldetect: model 999 is not in the store$/],
  // run / attach: what they write, before NtTrace starts.
  [
    'run --save-log into a missing folder',
    ['run', '--save-log', 'no/x.log', '--', 'prog.exe'],
    /^ntmaldetect: --save-log no\/x\.log: the folder no does not exist$/,
  ],
  [
    'attach --program-output a folder',
    ['attach', '--program-output', 'folder', '4242'],
    /^ntmaldetect: --program-output folder: is a folder: give a file path$/,
  ],
  [
    'run --trace-dir a file',
    ['run', '--trace-dir', 'trace.txt', '--', 'prog.exe'],
    /^ntmaldetect: --trace-dir trace\.txt: is a file, not a folder$/,
  ],
  // Quoted glob patterns that match nothing (src/cli/targets.ts expands them).
  ['reduce a pattern matching nothing', ['reduce', '*.nomatch'], /^ntmaldetect: reduce: \*\.nomatch: no file matches this pattern$/],
  ['reduce a malformed pattern', ['reduce', '[a-'], /^ntmaldetect: reduce: \[a-: no file matches this pattern$/],
  // help.
  ['help of an unknown command', ['help', 'nosuch'], /^ntmaldetect: help: unknown command "nosuch"; run 'ntmaldetect help' for the list$/],
];

describe('plain answers to plain mistakes', () => {
  it.each(CASES)('%s: exit 2 and a clear message', async (_what, args, message) => {
    const r = await runCliWith(args, { cwd: dir });
    const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(r.stderr).not.toMatch(/internal error/);
    expect(last).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('scan: a pattern matching nothing is an error row naming it, exit 2', async () => {
    for (const pattern of ['*.nomatch', '[a-', 'corpus/*/[a-']) {
      const r = await runCliWith(['scan', '--json', pattern], { cwd: dir });
      expect(r.stderr).not.toMatch(/internal error/);
      expect(JSON.parse(r.stdout)).toMatchObject({ file: pattern, error: { message: 'no file matches this pattern' } });
      expect(r.code).toBe(2);
    }
  });

  it('writes nothing when it refuses an output path', () => {
    expect(readdirSync(dir).sort()).toEqual(
      [
        'bad.json',
        'corpus',
        'folder',
        'folds.json',
        'future.ntmd',
        'not-a-key.pem',
        'not-a-model.ntmd',
        'trace.txt',
        'truncated.ntmd',
      ].sort(),
    );
    expect(readdirSync(join(dir, 'folder'))).toEqual([]);
  });

  it('refuses an unwritable output folder and an unreadable input (unless running as root)', async (ctx) => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'x.txt'), 'NtClose\n');
    chmodSync(locked, 0o500);
    const secret = join(dir, 'secret.json');
    writeFileSync(secret, '{}');
    chmodSync(secret, 0o000);
    let readable = true;
    try {
      readFileSync(secret);
    } catch {
      readable = false;
    }
    try {
      // Root (and CAP_DAC_OVERRIDE) reads and writes whatever the mode says: nothing to test.
      if (readable) ctx.skip('running with the right to read any file (root): chmod does not deny access');
      const out = await runCliWith(['train', '--corpus', 'corpus', '--out', join('locked', 'm.ntmd')], { cwd: dir });
      expect(out.stderr).toMatch(/^ntmaldetect: --out locked\/m\.ntmd: cannot write into the folder locked \(permission denied\)$/m);
      expect(out.code).toBe(2);
      const cfg = await runCliWith(['train', '--corpus', 'corpus', '--config', 'secret.json', '--out', 'm.ntmd'], { cwd: dir });
      expect(cfg.stderr).toMatch(/^ntmaldetect: --config secret\.json: cannot read it: permission denied$/m);
      expect(cfg.code).toBe(2);
    } finally {
      chmodSync(locked, 0o700);
      chmodSync(secret, 0o600);
    }
  });
});

describe('serve: a port it cannot listen on', () => {
  it('names the port in use and exits 2', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', () => done()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runCliWith(['serve', '--v8-gc-defaults', '--port', String(port), '--db', 'memory://', '--threads', '0'], {
        cwd: dir,
      });
      expect(r.stderr).toBe(
        `ntmaldetect: cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another server?); choose another with --port, or --port 0 for a free one\n`,
      );
      expect(r.code).toBe(2);
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()));
    }
  });

  it('names an address that is not this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const r = await runCliWith(['serve', '--v8-gc-defaults', '--host', '192.0.2.1', '--port', '0', '--db', 'memory://', '--threads', '0'], {
      cwd: dir,
    });
    expect(r.stderr).toBe('ntmaldetect: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine\n');
    expect(r.code).toBe(2);
  });

  it('explains a privileged port (unless this process may bind one)', async (ctx) => {
    const probe = createServer();
    const allowed = await new Promise<boolean>((done) => {
      probe.once('error', () => done(false));
      probe.listen(1, '127.0.0.1', () => done(true));
    });
    if (allowed) {
      await new Promise<void>((done) => probe.close(() => done()));
      ctx.skip('this process may bind privileged ports (root or CAP_NET_BIND_SERVICE)');
    }
    const r = await runCliWith(['serve', '--v8-gc-defaults', '--port', '1', '--db', 'memory://', '--threads', '0'], { cwd: dir });
    expect(r.stderr).toBe(
      'ntmaldetect: cannot listen on 127.0.0.1:1: permission denied (port 1 is a privileged port: use one from 1024 up)\n',
    );
    expect(r.code).toBe(2);
  });
});
