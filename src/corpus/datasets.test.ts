import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scratchDir } from '../../test/tmp.js';
import { decodeDatasetText, parseDelimited, readTableRows, readWords, splitWords } from './datasets.js';
import { loadCorpus } from './index.js';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'no error';
}

describe('the words layout', () => {
  it('equals a naive split at whitespace, whatever the whitespace and line breaks', () => {
    const piece = fc.oneof(
      fc.constantFrom(' ', '\t', '\n', '\r\n', '  ', '\u00a0', '\u3000', '\x1c', '\x85', '\v', '\f'),
      fc.stringMatching(/^[0-9A-Za-z_.@!$-]{1,5}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const naive = text.split(/[\s\x1c-\x1f\x85]/).filter((w) => w !== '');
        expect(splitWords(text)).toEqual(naive);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 10_000 },
    );
  });

  it("reads ADFA-LD's form: numbers on one line with a trailing space, or on several lines", () => {
    expect(readWords(Buffer.from('6 6 63 6 42 120 6 195 120 6 \n'), 'UTD-0001.txt')).toEqual([
      '6',
      '6',
      '63',
      '6',
      '42',
      '120',
      '6',
      '195',
      '120',
      '6',
    ]);
    expect(readWords('  6\n195\r\n\n  3 ', 'x')).toEqual(['6', '195', '3']);
    expect(errorOf(() => readWords(' \n\t', 'e.txt'))).toBe(
      'EMPTY_TRACE: e.txt is an empty trace: no call name in it (format words: call names separated by whitespace)',
    );
  });

  it('decodes gzip, BOMs and UTF-16, and refuses binary files', () => {
    expect(decodeDatasetText(gzipSync(Buffer.from('6 7')), 'g')).toBe('6 7');
    expect(decodeDatasetText(Buffer.from('\ufeff6 7', 'utf8'), 'b')).toBe('6 7');
    expect(decodeDatasetText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('6 7\r\n', 'utf16le')]), 'u')).toBe('6 7\r\n');
    expect(decodeDatasetText(Buffer.from('6 195 7 3\r\n', 'utf16le'), 'u')).toBe('6 195 7 3\r\n');
    const be = Buffer.from('6 195', 'utf16le').swap16();
    expect(decodeDatasetText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'u')).toBe('6 195');
    expect(errorOf(() => decodeDatasetText(Uint8Array.of(0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0x10, 0x11), 'a.exe'))).toBe(
      'BAD_DATASET: a.exe: the file is binary (it holds NUL bytes), not a text file of call names',
    );
    expect(errorOf(() => decodeDatasetText(Uint8Array.of(0x1f, 0x8b, 1, 2, 3), 'c.gz'))).toMatch(
      /^CORRUPT_GZIP: c\.gz starts like a gzip file/,
    );
  });
});

describe('the csv and tsv layouts', () => {
  it('parses quoted fields with commas, quotes and line breaks, CRLF, blank lines and a last line without newline', () => {
    const text = 'a,b,c\r\n"x,1","say ""hi""","two\nlines"\r\n\r\n,,\nlast,row,';
    expect(parseDelimited(text, ',', 't.csv')).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['x,1', 'say "hi"', 'two\nlines'], line: 2 },
      { fields: ['', '', ''], line: 5 },
      { fields: ['last', 'row', ''], line: 6 },
    ]);
    expect(errorOf(() => parseDelimited('a,b\n"x,1\n', ',', 't.csv'))).toBe(
      'BAD_DATASET: t.csv:2: a quoted field is never closed (a " without its closing ")',
    );
    expect(errorOf(() => parseDelimited('a,b\n"x"y,1\n', ',', 't.csv'))).toMatch(
      /^BAD_DATASET: t\.csv:2: unexpected "y" after the closing quote/,
    );
  });

  it("reads MalbehavD-V1's form: sha256, labels, then one call per column, rows padded with empty cells", () => {
    const text = 'sha256,labels,0,1,2,,\n' + 'aa11,0,NtOpenKey,NtClose,,,\n' + 'bb22,1,LdrLoadDll,NtClose,NtWriteFile,,\n';
    const t = readTableRows(Buffer.from(text), { form: 'csv', source: 'm.csv', requireLabel: true });
    expect(t.labelColumn).toBe(1);
    expect(t.idColumn).toBe(0);
    expect(t.callsColumns).toEqual([2, 3, 4, 5, 6]);
    expect(t.rows).toEqual([
      { line: 2, id: 'aa11', label: 0, calls: ['NtOpenKey', 'NtClose'] },
      { line: 3, id: 'bb22', label: 1, calls: ['LdrLoadDll', 'NtClose', 'NtWriteFile'] },
    ]);
  });

  it('reads one space-separated calls field of a TSV, with named columns', () => {
    const text = 'name\tcls\tcalls\textra\n' + 's1\tgoodware\t6 6 63\tx\n' + 's2\tMalware\t195  3\ty\n';
    const t = readTableRows(text, {
      form: 'tsv',
      source: 'd.tsv',
      requireLabel: true,
      columns: { label: 'cls', calls: ['calls'], id: 'name' },
    });
    expect(t.rows).toEqual([
      { line: 2, id: 's1', label: 0, calls: ['6', '6', '63'] },
      { line: 3, id: 's2', label: 1, calls: ['195', '3'] },
    ]);
  });

  it('names the file and line of every bad row', () => {
    const read = (text: string, columns = {}) =>
      errorOf(() => readTableRows(text, { form: 'csv', source: 'd.csv', requireLabel: true, columns }));
    expect(read('label,calls\n0,a b\n,c d\n')).toBe('BAD_DATASET: d.csv:3: the row has no label (column "label")');
    expect(read('label,calls\n0,a b\nevil,c d\n')).toBe(
      'BAD_DATASET: d.csv:3: unknown label "evil" in column "label": expected 0, benign, goodware (benign) or 1, malicious, malware (malicious)',
    );
    expect(read('label,calls\n0,a b,c\n')).toBe(
      'BAD_DATASET: d.csv:2: the row has 3 fields, the header 2 (a field with a comma in it must be quoted)',
    );
    expect(read('label,calls\n0,a b,,\n')).toBe('no error');
    expect(read('label\n1\n')).toBe('BAD_DATASET: d.csv:1: has no column left for the calls; its header is "label"');
    expect(read('kind,calls\n0,a\n')).toMatch(/^BAD_DATASET: d\.csv:1: has no label column: name it with --label-column NAME/);
    expect(read('kind,calls\n0,a\n', { label: 'klass' })).toBe(
      'BAD_DATASET: d.csv: the file has no label column "klass" (--label-column); its header is "kind", "calls"',
    );
    expect(read('')).toBe('BAD_DATASET: d.csv: the file is empty: expected a header row, then one row per trace (format csv)');
    // Short (ragged) rows: the missing cells are empty, so a missing label is named.
    expect(read('calls,label\na b\n')).toBe('BAD_DATASET: d.csv:2: the row has no label (column "label")');
  });

  it('does not need a label column when labels are not asked for (scan)', () => {
    const t = readTableRows('id,calls\nr1,6 7 8\n', { form: 'csv', source: 's.csv' });
    expect(t.labelColumn).toBe(-1);
    expect(t.rows).toEqual([{ line: 2, id: 'r1', calls: ['6', '7', '8'] }]);
  });
});

describe('loadCorpus with dataset layouts', () => {
  it('reads a words tree recursively and a labelled table, benign documents first', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'normal'));
    mkdirSync(join(dir, 'attack', 'Adduser_1'), { recursive: true });
    writeFileSync(join(dir, 'normal', 'UTD-0001.txt'), '6 6 63 6 \n');
    writeFileSync(join(dir, 'normal', 'UTD-0002.txt'), '   \n');
    writeFileSync(join(dir, 'attack', 'Adduser_1', 'UAD-Adduser-1-1.txt'), '11 195\n11 3\n');
    const warnings: string[] = [];
    const c = await loadCorpus(
      { benign: join(dir, 'normal'), malicious: join(dir, 'attack') },
      { input: 'words', onWarning: (m) => warnings.push(m) },
    );
    expect(c.docs.map((d) => [d.name, d.label, c.table.nameOf(d.calls[0]), d.calls.length])).toEqual([
      ['normal/UTD-0001.txt', 0, '6', 4],
      ['attack/Adduser_1/UAD-Adduser-1-1.txt', 1, '11', 4],
    ]);
    expect(c.skippedEmpty).toEqual(['normal/UTD-0002.txt']);
    // ADFA-LD's own folder names are a corpus layout of their own for --corpus.
    mkdirSync(join(dir, 'adfa', 'Training_Data_Master'), { recursive: true });
    mkdirSync(join(dir, 'adfa', 'Attack_Data_Master', 'Web_Shell_1'), { recursive: true });
    writeFileSync(join(dir, 'adfa', 'Training_Data_Master', 'UTD-0001.txt'), '6 6 63 \n');
    writeFileSync(join(dir, 'adfa', 'Attack_Data_Master', 'Web_Shell_1', 'UAD-Web-Shell-1-1.txt'), '11 120 \n');
    const adfa = await loadCorpus(join(dir, 'adfa'), { input: 'words' });
    expect(adfa.docs.map((d) => [d.name, d.label])).toEqual([
      ['Training_Data_Master/UTD-0001.txt', 0],
      ['Attack_Data_Master/Web_Shell_1/UAD-Web-Shell-1-1.txt', 1],
    ]);
    await expect(loadCorpus(join(dir, 'adfa'))).rejects.toThrow(
      /expected the folders sysBEN\/ \(benign\) and sysMAL\/ \(malicious\) inside it$/,
    );
    writeFileSync(join(dir, 'data.csv'), 'sha256,labels,0,1\nm1,1,a,b\nb1,0,c,d\nb2,benign,,\n');
    const t = await loadCorpus({ data: join(dir, 'data.csv') }, { input: 'csv', onWarning: (m) => warnings.push(m) });
    expect(t.docs.map((d) => [d.name, d.label, d.calls.length])).toEqual([
      [`${dir.split('/').pop()}/data.csv:b1`, 0, 2],
      [`${dir.split('/').pop()}/data.csv:m1`, 1, 2],
    ]);
    expect(warnings.some((w) => w.includes('data.csv:4'))).toBe(true);
  });
});
