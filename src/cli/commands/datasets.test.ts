/**
 * train, scan and bench on the dataset layouts, end to end through the CLI, on the fixtures
 * of scripts/make-dataset-fixtures.mjs (fixtures/datasets/).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/cli.js';
import { scratchDir } from '../../../test/tmp.js';
import { readContainer } from '../../model/container.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const D = join(ROOT, 'fixtures', 'datasets');
const ADFA = join(D, 'adfa-like');
const CSV = join(D, 'malbehavd-like.csv');
const TSV = join(D, 'api-calls.tsv');

const configOf = (path: string): Record<string, unknown> =>
  (readContainer(readFileSync(path), path).header as { config: Record<string, unknown> }).config;

describe('the words layout (ADFA-LD-like)', () => {
  let dir: string;
  let model: string;
  beforeAll(async () => {
    dir = scratchDir();
    model = join(dir, 'adfa.ntmd');
    const r = await runCliCaptured([
      'train',
      '--format',
      'words',
      '--benign',
      join(ADFA, 'Training_Data_Master'),
      '--malicious',
      join(ADFA, 'Attack_Data_Master'),
      '--out',
      model,
      '--json',
    ]);
    expect(r.err).toContain('alphabet: custom (from --format words)');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ traces: 54, benign: 24, malicious: 30 });
    expect(r.err).not.toContain('unfamiliar');
  });

  it('trains a custom-alphabet model that remembers its input form', () => {
    expect(configOf(model)).toMatchObject({ alphabet: 'custom', input: 'words' });
  });

  it('scans words files with that model without --format', async () => {
    const r = await runCliCaptured([
      'scan',
      '--model',
      model,
      '--json',
      join(ADFA, 'Validation_Data_Master'),
      join(ADFA, 'Attack_Data_Master', 'Web_Shell_2'),
    ]);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; verdict: string; calls: number });
    expect(lines).toHaveLength(11);
    expect(lines[0].file).toMatch(/Validation_Data_Master\/UVD-0001\.txt$/);
    expect(lines[0].calls).toBe(
      readFileSync(join(ADFA, 'Validation_Data_Master', 'UVD-0001.txt'), 'utf8')
        .trim()
        .split(' ').length,
    );
    const attacks = lines.filter((l) => l.file.includes('Web_Shell_2'));
    expect(attacks.map((l) => l.verdict)).toEqual(['malicious', 'malicious', 'malicious']);
    expect(r.code).toBe(1);
  });

  it('skips a binary file and a UTF-16 twin is read, in a folder of words traces', async () => {
    const folder = join(dir, 'words-mixed');
    mkdirSync(folder);
    const text = readFileSync(join(ADFA, 'Validation_Data_Master', 'UVD-0001.txt'));
    writeFileSync(join(folder, 'a.txt'), text);
    writeFileSync(join(folder, 'b-utf16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.toString('utf8'), 'utf16le')]));
    writeFileSync(join(folder, 'core.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const r = await runCliCaptured(['scan', '--model', model, '--json', folder]);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; verdict: string; calls: number });
    expect(lines.map((l) => l.file.slice(folder.length + 1))).toEqual(['a.txt', 'b-utf16.txt']);
    expect(lines[1]).toEqual({ ...lines[0], file: lines[1].file });
    expect(r.err).toContain(`skipped ${join(folder, 'core.bin')}: not a trace (a binary file)`);
  });

  it("cross-validates with bench --format words --corpus in ADFA-LD's layout", async () => {
    // ADFA-LD's own folders as --corpus: Training_ and Validation_Data_Master benign, Attack_Data_Master malicious.
    const r = await runCliCaptured(['bench', '--format', 'words', '--corpus', ADFA, '--folds', '3', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('alphabet: custom (from --format words)');
    const s = JSON.parse(r.out) as { traces: number; results: { model: string; accuracy: number }[] };
    expect(s.traces).toBe(62);
    expect(s.results[0].accuracy).toBeGreaterThan(0.7);
  });

  it('chooses the configuration on the corpus with train --preset auto, keeping the alphabet', async () => {
    const out = join(dir, 'auto.ntmd');
    const r = await runCliCaptured([
      'train',
      '--format',
      'words',
      '--benign',
      join(ADFA, 'Training_Data_Master'),
      '--malicious',
      join(ADFA, 'Attack_Data_Master'),
      '--preset',
      'auto',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const c = configOf(out) as { alphabet: string; input: string; tfidf: { ngramRange: number[] } };
    expect([c.alphabet, c.input]).toEqual(['custom', 'words']);
    // The static 'auto' configuration is the default's ten-grams; the inner search picks shorter ones here.
    expect(c.tfidf.ngramRange[1]).toBeLessThan(10);
  });

  it('keeps the NT token rule unless the alphabet is custom', async () => {
    const r = await runCliCaptured([
      'train',
      '--format',
      'words',
      '--alphabet',
      'nt',
      '--benign',
      join(ADFA, 'Training_Data_Master'),
      '--malicious',
      join(ADFA, 'Attack_Data_Master'),
      '--out',
      join(dir, 'nt.ntmd'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /call name "\d+" is not a single word token \(two or more letters, digits or underscores\): scikit-learn would split or drop it/,
    );
  });
});

describe('the csv and tsv layouts (MalbehavD-like)', () => {
  let dir: string;
  let model: string;
  beforeAll(async () => {
    dir = scratchDir();
    model = join(dir, 'api.ntmd');
    const r = await runCliCaptured([
      'train',
      '--format',
      'csv',
      '--data',
      CSV,
      '--ngram-range',
      '2,4',
      '--min-known',
      '1',
      '--out',
      model,
      '--json',
    ]);
    expect(r.err).toContain('alphabet: custom (from --format csv)');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ traces: 200, benign: 100, malicious: 100 });
  });

  it("warns when the preset's ten-grams leave the training rows themselves unfamiliar", async () => {
    const r = await runCliCaptured(['train', '--format', 'csv', '--data', CSV, '--out', join(dir, 'ten.ntmd')]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('warning: 200 of 200 training traces have fewer than 50 distinct n-grams known to the model');
    expect(r.err).toContain('--min-known N');
  });

  it('stores alphabet, input and the familiarity threshold', () => {
    expect(configOf(model)).toMatchObject({ alphabet: 'custom', input: 'csv', minKnownNgrams: 1, tfidf: { ngramRange: [2, 4] } });
  });

  it('judges each row, named FILE:ID, reading csv without --format', async () => {
    const r = await runCliCaptured(['scan', '--model', model, '--json', CSV]);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; verdict: string });
    expect(lines).toHaveLength(200);
    const first = readFileSync(CSV, 'utf8').split('\n')[1].split(',');
    expect(lines[0].file).toBe(`${CSV}:${first[0]}`);
    // In-sample: the rows' own labels.
    const wrong = lines.filter(
      (l, i) => (l.verdict === 'malicious' ? '1' : '0') !== readFileSync(CSV, 'utf8').split('\n')[i + 1].split(',')[1],
    );
    expect(wrong.length).toBeLessThan(10);
  });

  it("reads a TSV with one space-separated calls field, named columns, and warns about another layout than the model's", async () => {
    const r = await runCliCaptured(['scan', '--model', model, '--format', 'tsv', '--calls-column', 'calls', '--id-column', 'id', TSV]);
    expect(r.err).toContain('warning: the model was trained on csv input; reading tsv as --format says');
    const rows = r.out.trim().split('\n').slice(1);
    expect(rows).toHaveLength(60);
    expect(rows[0]).toMatch(/api-calls\.tsv:api-000 +(MALICIOUS|benign) /);
  });

  it('cross-validates with bench --format tsv', async () => {
    const r = await runCliCaptured(['bench', '--format', 'tsv', '--data', TSV, '--ngram-range', '2,3', '--folds', '3', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { traces: number; results: { model: string; accuracy: number }[] };
    expect(s.traces).toBe(60);
    expect(s.results[0].accuracy).toBeGreaterThan(0.7);
  });

  it('names the file and line of a bad row, exit 2', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'sha256,labels,0,1\naa,0,NtClose,NtOpenKey\nbb,evil,NtClose,NtOpenKey\n');
    const r = await runCliCaptured(['train', '--format', 'csv', '--data', bad, '--out', join(dir, 'x.ntmd')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:3: unknown label "evil" in column "labels"`);
    const s = await runCliCaptured(['scan', '--model', model, join(dir, 'nope.csv'), '--format', 'csv']);
    expect(s.code).toBe(2);
    const unclosed = join(dir, 'unclosed.csv');
    writeFileSync(unclosed, 'sha256,labels,0,1\naa,0,NtClose,"NtOpenKey\n');
    const u = await runCliCaptured(['scan', '--model', model, '--json', unclosed]);
    expect(u.code).toBe(2);
    const rec = JSON.parse(u.out.trim()) as { file: string; error?: { code: string; message: string } };
    expect(rec.file).toBe(unclosed);
    expect(JSON.stringify(rec)).toContain(`${unclosed}:2: a quoted field is never closed`);
    expect(JSON.stringify(rec)).toContain('BAD_DATASET');
  });

  it('refuses column options without a table layout, and --data without csv/tsv', async () => {
    const a = await runCliCaptured([
      'train',
      '--format',
      'words',
      '--label-column',
      'y',
      '--benign',
      D,
      '--malicious',
      D,
      '--out',
      join(dir, 'y.ntmd'),
    ]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('--label-column is for tables: give --format csv or --format tsv (the input is words)');
    const b = await runCliCaptured(['train', '--data', CSV, '--out', join(dir, 'y.ntmd')]);
    expect(b.code).toBe(2);
    expect(b.err).toContain('--data FILE is a labelled table: give --format csv or --format tsv');
    const c = await runCliCaptured(['scan', '--format', 'json', CSV]);
    expect(c.code).toBe(2);
    expect(c.err).toContain('--format must be one of nttrace, words, csv, tsv, got "json"');
  });
});
