/**
 * The familiarity rule's refusal (src/api/familiarity.ts) on every real trace there is here:
 * none may be refused, and the known-call share of each is 1. And the rule for a custom
 * alphabet: a known call is one of the model's own names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, projectRoot, requireShared } from '../../test/shared.js';
import { CallTable } from '../tokenize/call-table.js';
import { readTraceFileSync } from '../tokenize/read.js';
import { defaultModelSync, detectSync } from './detect.js';
import { MIN_KNOWN_CALL_SHARE, assertTrace, countKnownCalls } from './familiarity.js';
import { train } from './train.js';
import { errorOf } from '../model/test-helpers/error-of.js';
import { NTTRACE_CALLS } from '../tokenize/nt-calls.js';

requireShared();

const filesIn = (dir: string, re: RegExp): string[] =>
  readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => join(dir, f));

describe('refusal: no real trace is refused', () => {
  const model = defaultModelSync();
  // [what, files, lowest known-call share]: 1 for real traces, whose every call NtTrace traces.
  const sets: [string, string[], number][] = [
    ['corpus sysBEN', filesIn(join(corpusDir, 'sysBEN'), /./), 1],
    ['corpus sysMAL', filesIn(join(corpusDir, 'sysMAL'), /./), 1],
    ['corpus raw logs', [...filesIn(join(corpusDir, 'raw', 'benign'), /./), ...filesIn(join(corpusDir, 'raw', 'malicious'), /./)], 1],
    ['real NtTrace logs (fixtures/nttrace)', filesIn(join(projectRoot, 'fixtures', 'nttrace'), /\.log(\.gz)?$/), 1],
    ['real NtTrace logs of Wine tools (fixtures/wine-benign)', filesIn(join(projectRoot, 'fixtures', 'wine-benign'), /\.log(\.gz)?$/), 1],
    // Made-up sequences whose names are mostly NT calls, some invented (NtFake...).
    ['synthetic logs (fixtures/traces)', filesIn(join(projectRoot, 'fixtures', 'traces'), /\.(log|log\.gz|txt)$/), 0.9],
  ];
  for (const [what, files, lowest] of sets) {
    it(`${what}: a known-call share of ${lowest === 1 ? 'exactly 1' : `at least ${lowest}`}, never refused`, () => {
      expect(files.length).toBeGreaterThan(2);
      let read = 0;
      for (const f of files) {
        const table = new CallTable();
        let r;
        try {
          r = readTraceFileSync(f, { table });
        } catch (e) {
          // Empty corpus files are the reader's to refuse (EMPTY_TRACE), not this rule's.
          expect((e as { code?: string }).code, f).toBe('EMPTY_TRACE');
          continue;
        }
        read++;
        const known = countKnownCalls(model, r.calls, table);
        if (lowest === 1) expect(known, f).toBe(r.calls.length);
        else expect(known / r.calls.length, f).toBeGreaterThanOrEqual(lowest);
        expect(() => assertTrace(model, r.calls, table, { source: f })).not.toThrow();
      }
      expect(read).toBeGreaterThan(2);
    });
  }
});

describe('refusal: the share, and the custom alphabet', () => {
  it('refuses below one half of known calls and judges at one half exactly', () => {
    const model = defaultModelSync();
    expect(MIN_KNOWN_CALL_SHARE).toBe(0.5);
    const calls = readFileSync(join(corpusDir, 'sysMAL', 'LOG_cn1.exe.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 100);
    expect(detectSync([...calls, ...Array(100).fill('kernel32.CreateFileW')], { model }).verdict).toMatch(
      /^(malicious|benign|unfamiliar)$/,
    );
    expect(errorOf(() => detectSync([...calls, ...Array(101).fill('kernel32.CreateFileW')], { model }))).toMatch(
      /^NOT_A_TRACE: the input is not a trace: 201 read as calls, of which 100 \(49\.8%\) are known calls \(first: "Nt/,
    );
    // Every call NtTrace traces is a known call of an NT model, in any case (the model lower-cases).
    expect(
      countKnownCalls(
        model,
        Int32Array.from(NTTRACE_CALLS, (_, i) => i),
        tableOf(NTTRACE_CALLS),
      ),
    ).toBe(NTTRACE_CALLS.length);
    const lower = NTTRACE_CALLS.map((n) => n.toLowerCase());
    expect(
      countKnownCalls(
        model,
        Int32Array.from(lower, (_, i) => i),
        tableOf(lower),
      ),
    ).toBe(lower.length);
  });

  it("for a custom alphabet, a known call is one of the model's own names, NT calls included only if trained on", async () => {
    const words = (seed: number, n: number, alphabet: string[]) =>
      Array.from({ length: n }, (_, i) => alphabet[(i * 7 + seed * 3 + ((i * i) % 5)) % alphabet.length]);
    const ben = ['3', '4', '5', '6', '63', '120'];
    const mal = ['3', '4', '195', '240', '42', '6'];
    const corpus = {
      docs: [
        ...[0, 1, 2, 3].map((s) => ({ label: 0 as const, calls: words(s, 200, ben) })),
        ...[0, 1, 2, 3].map((s) => ({ label: 1 as const, calls: words(s, 200, mal) })),
      ],
    };
    const table = new CallTable();
    const docs = corpus.docs.map((d) => Int32Array.from(d.calls, (c) => table.intern(c)));
    const model = await train(
      {
        docs: docs.map((calls, i) => ({ name: `t${i}`, label: corpus.docs[i].label, calls, sha256: String(i), bytes: 0 })),
        table,
        skippedEmpty: [],
      },
      { alphabet: 'custom', preset: 'ntmaldetect-2018' },
    );
    const seen = words(9, 100, ben);
    expect(() => detectSync(seen, { model })).not.toThrow();
    // NtClose is a call NtTrace traces, but not a name of this model: unknown here.
    expect(errorOf(() => detectSync([...seen.slice(0, 40), ...Array(60).fill('NtClose')], { model, source: 'x' }))).toMatch(
      /^NOT_A_TRACE: x is not a trace: 100 read as calls, of which 40 \(40\.0%\) are known calls .*the model expects calls of the model's own alphabet \(\d+ names, such as /,
    );
  });
});

function tableOf(names: readonly string[]): CallTable {
  const t = new CallTable();
  for (const n of names) t.intern(n);
  return t;
}
