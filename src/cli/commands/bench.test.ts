import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticCorpus } from '../../eval/synthetic.js';
import { runCli } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'ntmd-bench-cli-'));
const corpus = join(dir, 'corpus');
// Linux syscall names, 3 to 60 calls: many traces are shorter than ten calls.
writeSyntheticCorpus(corpus, { traces: 160, minLength: 3, maxLength: 60, vocabulary: 'linux', seed: 7 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (b: Buffer) => o.push(b));
  err.on('data', (b: Buffer) => e.push(b));
  const code = await runCli(args, { stdout: out, stderr: err, stdin: Readable.from([]), env: {}, cwd: dir });
  return { code, stdout: Buffer.concat(o).toString('utf8'), stderr: Buffer.concat(e).toString('utf8') };
}

describe('ntmaldetect bench', () => {
  it('prints the documented JSON on another vocabulary with traces shorter than the n-grams', async () => {
    const r = await cli(['bench', '--corpus', 'corpus', '--folds', '3', '--models', 'ntmaldetect-2018,svc-5gram', '--json']);
    expect(r.stderr).toBe(''); // no progress when piped or with --json
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.traces).toBe(160);
    expect(j.folds).toBe(3);
    expect(j.split).toMatch(/^stratified 3-fold, seed 0/);
    expect(j.results.map((m: { model: string }) => m.model)).toEqual([
      'ntmaldetect-2018',
      'ntmaldetect-2018/multinomial-nb',
      'ntmaldetect-2018/linear-svc',
      'ntmaldetect-2018/all',
      'svc-5gram',
    ]);
    for (const m of j.results) {
      const c = m.confusion;
      expect(c.tn + c.fp + c.fn + c.tp).toBe(160);
      expect(m.accuracy).toBeCloseTo((c.tn + c.tp) / 160, 12);
      expect(m.foldMean.accuracy).toBeGreaterThan(0);
      expect(m.fitSeconds).toBeGreaterThan(0);
    }
    // Five-grams see the class patterns of short traces better than ten-grams, which leave
    // most of these traces "insufficient" (judged benign).
    const five = j.results.find((m: { model: string }) => m.model === 'svc-5gram');
    const ten = j.results.find((m: { model: string }) => m.model === 'ntmaldetect-2018');
    expect(five.accuracy).toBeGreaterThan(0.6);
    expect(five.accuracy).toBeGreaterThan(ten.accuracy);
    expect(ten.recall).toBeLessThan(0.7);
  });

  it('runs the grouped split and writes a report', async () => {
    const r = await cli([
      'bench',
      '--benign',
      'corpus/sysBEN',
      '--malicious',
      'corpus/sysMAL',
      '--folds',
      '3',
      '--split',
      'grouped',
      '--models',
      'svc-5gram',
      '--report',
      'rep',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/160 traces, grouped 3-fold, seed 0: \d+ groups/);
    expect(r.stdout).toMatch(/\| svc-5gram \| 0\.\d{3} \|/);
    const md = readFileSync(join(dir, 'rep', 'report.md'), 'utf8');
    expect(md).toContain('ntmaldetect bench');
    expect(md).toContain('| svc-5gram |');
    expect(existsSync(join(dir, 'rep', 'roc.svg'))).toBe(true);
    expect(existsSync(join(dir, 'rep', 'pr.svg'))).toBe(true);
  });

  it('chooses a configuration per fold with --models auto', async () => {
    const r = await cli(['bench', '--corpus', 'corpus', '--folds', '3', '--models', 'auto']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| auto \| 0\.\d{3} \|/);
    expect(r.stdout.match(/^auto, fold \d: \d+\.\.\d+-grams, sublinear tf, [a-z-]+$/gm)).toHaveLength(3);
  });

  it('reads numeric syscall traces and Windows API names alike', async () => {
    for (const vocabulary of ['linux-numbers', 'winapi'] as const) {
      writeSyntheticCorpus(join(dir, vocabulary), { traces: 60, minLength: 8, maxLength: 80, vocabulary, seed: 3 });
      const r = await cli(['bench', '--corpus', vocabulary, '--folds', '2', '--models', 'svc-5gram', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.traces).toBe(60);
      expect(j.results[0].confusion.tp + j.results[0].confusion.fn).toBe(30);
      expect(j.results[0].rocAuc).toBeGreaterThan(0.5);
    }
  });

  it('rejects contradictory or malformed options with a usage error', async () => {
    expect((await cli(['bench'])).stderr).toMatch(/give --corpus DIR/);
    expect((await cli(['bench', '--corpus', 'corpus', '--split', 'random'])).stderr).toMatch(
      /--split must be one of stratified, unique, grouped/,
    );
    expect((await cli(['bench', '--corpus', 'corpus', '--folds', '1'])).code).toBe(2);
    expect((await cli(['bench', '--corpus', 'corpus', '--models', 'nope'])).stderr).toMatch(/unknown preset "nope"/);
    expect((await cli(['bench', '--corpus', 'corpus', '--folds-file', 'missing.json'])).stderr).toBe(
      'ntmaldetect: --folds-file missing.json: cannot read it: no such file\n',
    );
  });
});
