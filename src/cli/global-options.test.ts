/**
 * `ntmaldetect help <command>`, the global `--quiet`, and `explain -`.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCliWith } from '../../test/cli.js';
import { corpusDir, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';
import { warn } from './command.js';

requireShared();

const dir = scratchDir('ntmd-global-');
const rawName = readdirSync(join(corpusDir, 'raw', 'benign')).sort()[0];
const raw = readFileSync(join(corpusDir, 'raw', 'benign', rawName), 'utf8');
// A log whose tracer was stopped inside its last call line: read, with a warning.
writeFileSync(join(dir, 'cut.log'), `${raw.trimEnd()}\nNtClose( Handle=0x6`);
writeFileSync(join(dir, 'whole.log'), raw);
// A corpus with an empty file in each class: skipped, with a warning.
for (const sub of ['sysBEN', 'sysMAL']) {
  mkdirSync(join(dir, 'corpus', sub), { recursive: true });
  for (const f of readdirSync(join(corpusDir, sub)).sort().slice(0, 4)) copyFileSync(join(corpusDir, sub, f), join(dir, 'corpus', sub, f));
  writeFileSync(join(dir, 'corpus', sub, 'LOG_empty.exe.txt'), '');
}

describe('help <command>', () => {
  it('prints the command help, the same as <command> --help, with the global options', async () => {
    const a = await runCliWith(['help', 'scan']);
    const b = await runCliWith(['scan', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^Usage: ntmaldetect scan /);
    expect(a.stdout).toMatch(/\nGlobal options:\n {2}--quiet +print no warnings/);
    expect(a.stdout).toBe(b.stdout);
    const train = await runCliWith(['help', 'train']);
    expect(train.stdout).toMatch(/^Usage: ntmaldetect train /);
  });

  it('prints the general help for help alone, and refuses an unknown command', async () => {
    const general = await runCliWith(['help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/^ntmaldetect - /);
    expect(general.stdout).toMatch(/^ {2}scan +\S/m);
    expect(general.stdout).toMatch(/--quiet/);
    const bad = await runCliWith(['help', 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('ntmaldetect: help: unknown command "nosuch"; run \'ntmaldetect help\' for the list\n');
    const two = await runCliWith(['help', 'scan', 'train']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^ntmaldetect: help takes one command name/);
  });
});

describe('--quiet', () => {
  it('warn() prints unless quiet', () => {
    const lines = (quiet: boolean): string => {
      const stderr = new PassThrough();
      let text = '';
      stderr.on('data', (d: Buffer) => (text += d.toString()));
      warn({ stderr, quiet }, 'ntmaldetect x: warning: y');
      return text;
    };
    expect(lines(false)).toBe('ntmaldetect x: warning: y\n');
    expect(lines(true)).toBe('');
  });

  it('scan: silences read and skip warnings, keeps the results and the summary', async () => {
    mkdirSync(join(dir, 'scan-in'), { recursive: true });
    copyFileSync(join(dir, 'cut.log'), join(dir, 'scan-in', 'cut.log'));
    writeFileSync(join(dir, 'scan-in', 'empty.log'), '');
    const loud = await runCliWith(['scan', 'scan-in'], { cwd: dir });
    const quiet = await runCliWith(['scan', '--quiet', 'scan-in'], { cwd: dir });
    expect(loud.stderr).toMatch(/^ntmaldetect scan: warning: skipped empty file scan-in\/empty\.log$/m);
    expect(loud.stderr).toMatch(/^ntmaldetect scan: warning: scan-in\/cut\.log: the log ends inside its last call line/m);
    expect(quiet.stderr).not.toMatch(/warning/);
    expect(quiet.stderr).toMatch(/^1 trace judged \(policy \w+\): .*; 1 (empty )?files? skipped/m);
    expect(quiet.stdout).toBe(loud.stdout);
    expect(quiet.code).toBe(loud.code);
  });

  it('scan: errors are still printed', async () => {
    const r = await runCliWith(['scan', '--quiet', '--model', 'nosuch.ntmd', 'cut.log'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ntmaldetect: nosuch.ntmd: cannot read the model file: no such file\n');
  });

  it('reduce: silences the cut-call warning, output unchanged', async () => {
    const loud = await runCliWith(['reduce', 'cut.log'], { cwd: dir });
    const quiet = await runCliWith(['reduce', 'cut.log', '--quiet'], { cwd: dir });
    expect(loud.stderr).toMatch(/^ntmaldetect reduce: warning: cut\.log: the log ends inside its last call line/);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(loud.stdout);
    expect(quiet.stdout.trimEnd().split('\n').at(-1)).toBe('NtClose');
    expect(quiet.code).toBe(0);
  });

  it('train: silences the empty-file warnings, keeps the summary', async () => {
    const loud = await runCliWith(['train', '--corpus', 'corpus', '--out', 'loud.ntmd'], { cwd: dir });
    const quiet = await runCliWith(['--quiet', 'train', '--corpus', 'corpus', '--out', 'quiet.ntmd'], { cwd: dir });
    expect(loud.code).toBe(0);
    expect(quiet.code).toBe(0);
    expect(loud.stderr).toMatch(/^ntmaldetect train: warning: .*LOG_empty\.exe\.txt/m);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/^trained on 8 traces \(4 benign, 4 malicious; \d+ duplicates kept\), 2 empty files skipped$/m);
    expect(readFileSync(join(dir, 'quiet.ntmd')).equals(readFileSync(join(dir, 'loud.ntmd')))).toBe(true);
  });

  it('bench: silences the empty-file warnings', async () => {
    const loud = await runCliWith(['bench', '--corpus', 'corpus', '--folds', '2', '--json'], { cwd: dir });
    const quiet = await runCliWith(['bench', '--corpus', 'corpus', '--folds', '2', '--json', '--quiet'], { cwd: dir });
    expect(loud.code).toBe(0);
    expect(quiet.code).toBe(0);
    expect(loud.stderr).toMatch(/^warning: .*LOG_empty\.exe\.txt/m);
    expect(quiet.stderr).not.toMatch(/warning/);
    expect(JSON.parse(quiet.stdout).traces).toBe(JSON.parse(loud.stdout).traces);
  });

  it('belongs to ntmaldetect only before --: after it, the traced program gets it', async () => {
    // run with no model file: fails before NtTrace, so the program is never started.
    const r = await runCliWith(['run', '--model', 'nosuch.ntmd', '--', 'prog.exe', '--quiet'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ntmaldetect: nosuch.ntmd: cannot read the model file: no such file\n');
  });
});

describe('explain -', () => {
  it('reads the trace from standard input, as the same file would be explained', async () => {
    const fromFile = await runCliWith(['explain', '--json', '--top', '3', 'whole.log'], { cwd: dir });
    const fromStdin = await runCliWith(['explain', '--json', '--top', '3', '-'], { cwd: dir, stdin: raw });
    expect(fromFile.code).toBe(0);
    expect(fromStdin.code).toBe(0);
    const a = JSON.parse(fromFile.stdout) as { file: string; verdict: unknown; members: unknown };
    const b = JSON.parse(fromStdin.stdout) as { file: string; verdict: unknown; members: unknown };
    expect(b.file).toBe('-');
    expect(b.verdict).toEqual(a.verdict);
    expect(b.members).toEqual(a.members);
    const text = await runCliWith(['explain', '-'], { cwd: dir, stdin: raw });
    expect(text.stdout).toMatch(/^-: (benign|MALICIOUS|unfamiliar|insufficient) \(policy \w+\); [\d,]+ calls/);
  });

  it('refuses empty standard input with a clear error', async () => {
    const r = await runCliWith(['explain', '-'], { cwd: dir, stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/^ntmaldetect: standard input is an empty trace \(0 bytes\)/);
  });
});
