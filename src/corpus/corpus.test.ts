import { mkdirSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, referenceDir, requireShared } from '../../test/shared.js';
import { isNtmdError } from '../errors.js';
import { CallTable } from '../tokenize/call-table.js';
import { loadCorpus } from './index.js';
import { scratchDir } from '../../test/tmp.js';

requireShared();

describe('loadCorpus on the shared corpus', async () => {
  const warnings: string[] = [];
  const progress: number[] = [];
  const corpus = await loadCorpus(corpusDir, { onWarning: (w) => warnings.push(w), onProgress: (d) => progress.push(d) });

  it('keeps the 215 non-empty traces in the reference order', () => {
    const folds = JSON.parse(readFileSync(join(referenceDir, 'cv-folds.json'), 'utf8')) as {
      settings: { all: { document_order: string[] } };
    };
    expect(corpus.docs.map((d) => d.name)).toEqual(folds.settings.all.document_order);
    expect(corpus.docs.filter((d) => d.label === 0).length).toBe(69);
    expect(corpus.docs.filter((d) => d.label === 1).length).toBe(146);
  });

  it('skips the 5 empty files with a warning each and a total', () => {
    expect(corpus.skippedEmpty.length).toBe(5);
    expect(warnings.filter((w) => w.startsWith('skipped empty trace ')).length).toBe(5);
    expect(warnings).toContain('skipped 5 empty traces in all');
    expect(progress.length).toBe(220);
    expect(progress[219]).toBe(220);
  });

  it('reads the call counts of the corpus README and the reference documents', () => {
    const count = (label: 0 | 1) => corpus.docs.filter((d) => d.label === label).reduce((s, d) => s + d.calls.length, 0);
    expect(count(0)).toBe(801_092);
    expect(count(1)).toBe(1_173_521);
    const byName = new Map(corpus.docs.map((d) => [d.name, d]));
    expect(byName.get('sysBEN/LOG_epo.exe.txt')?.calls.length).toBe(371);
    expect(byName.get('sysBEN/LOG_binary_search.exe.txt')?.calls.length).toBe(370);
    expect(byName.get('sysMAL/LOG_cn1.exe.txt')?.calls.length).toBe(395);
    expect(byName.get('sysMAL/LOG_36000.exe.txt')?.calls.length).toBe(421);
    expect(byName.get('sysMAL/LOG_Fallen.dat.txt')?.calls.length).toBe(16);
    expect(byName.get('sysMAL/LOG_ddos.exe.txt')?.sha256).toBe(byName.get('sysMAL/LOG_Fallen.dat.txt')?.sha256);
    expect(new Set(corpus.docs.map((d) => d.sha256)).size).toBe(208);
    const doc = byName.get('sysBEN/LOG_epo.exe.txt');
    expect(doc?.bytes).toBe(readFileSync(join(corpusDir, 'sysBEN', 'LOG_epo.exe.txt')).length);
    expect(corpus.table.nameOf(doc!.calls[0])).toMatch(/^Nt[A-Za-z]+$/);
  });
});

describe('loadCorpus on small folders', () => {
  const root = scratchDir('ntmd-corpus-');
  mkdirSync(join(root, 'good'));
  mkdirSync(join(root, 'bad'));
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'good', 'b.txt'), 'NtClose\nNtOpenKey\n');
  writeFileSync(join(root, 'good', 'B.txt'), 'NtOpenKey\n');
  writeFileSync(join(root, 'good', 'e.txt'), '');
  writeFileSync(join(root, 'bad', 'x.log'), 'Process 1 starting at 00400000\nNtClose( Handle=0x4 ) => 0\r\n');
  writeFileSync(join(root, 'empty', 'z.txt'), '');

  it('takes folders and files, sorts by code unit, shares the table', async () => {
    const table = new CallTable(['NtOpenKey']);
    const c = await loadCorpus({ benign: join(root, 'good'), malicious: [join(root, 'bad', 'x.log')] }, { table });
    expect(c.docs.map((d) => [d.name, d.label])).toEqual([
      ['good/B.txt', 0],
      ['good/b.txt', 0],
      ['bad/x.log', 1],
    ]);
    expect(c.table).toBe(table);
    expect(Array.from(c.docs[1].calls)).toEqual([1, 0]);
    expect(Array.from(c.docs[2].calls)).toEqual([1]);
    expect(c.skippedEmpty).toEqual(['good/e.txt']);
  });

  it('raises typed errors for a folder without traces and a missing path', async () => {
    await expect(loadCorpus({ benign: join(root, 'empty'), malicious: [] })).rejects.toSatisfy((e) => isNtmdError(e, 'EMPTY_CORPUS'));
    await expect(loadCorpus(join(root, 'missing'))).rejects.toSatisfy((e) => isNtmdError(e, 'CORPUS_NOT_FOUND'));
    await expect(loadCorpus(root)).rejects.toSatisfy((e) => isNtmdError(e, 'EMPTY_CORPUS'));
  });
});
