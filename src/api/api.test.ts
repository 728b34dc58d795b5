import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { loadCorpus } from '../corpus/index.js';
import type { Corpus } from '../corpus/index.js';
import { CallTable } from '../tokenize/call-table.js';
import { readTraceSync } from '../tokenize/read.js';
import type { Model } from '../model/model.js';
import { loadModel } from '../model/model.js';
import { defaultModelSync, detect, detectFile, detectSync } from './detect.js';
import { explain, explainSync, topFeaturesSync } from './explain.js';
import { train, trainOnCorpus } from './train.js';
import { presetConfig } from '../model/presets.js';
import { errorOf, errorOfAsync } from '../model/test-helpers/error-of.js';
import { scratchDir } from '../../test/tmp.js';

requireShared();

const CN1 = join(corpusDir, 'sysMAL', 'LOG_cn1.exe.txt');
const EPO = join(corpusDir, 'sysBEN', 'LOG_epo.exe.txt');
const RAW = join(corpusDir, 'raw', 'malicious', 'LOG_cn.exe.txt');

let corpus: Corpus;
let model: Model;

beforeAll(async () => {
  corpus = await loadCorpus(corpusDir);
  model = trainOnCorpus(corpus, presetConfig('ntmaldetect-2018'));
});

describe('detect', () => {
  it('gives the same verdict for every form of the same trace', async () => {
    const text = readFileSync(CN1, 'utf8');
    const v = detectSync(text, { model });
    expect(v).toMatchObject({ malicious: true, insufficient: false, policy: 'any', calls: 395, ngrams: 386, unknownNgramFraction: 0 });
    expect(v.members.map((m) => [m.name, m.malicious])).toEqual([
      ['multinomial-nb', true],
      ['linear-svc', true],
    ]);
    expect(v.warning).toBeUndefined();
    const names = text.split('\n').filter((l) => l.trim() !== '');
    const read = readTraceSync(text);
    const forms: unknown[] = [
      await detect(text, { model }),
      await detect(new TextEncoder().encode(text), { model }),
      await detect(gzipSync(new TextEncoder().encode(text)), { model }),
      await detect(names, { model }),
      await detect({ path: CN1 }, { model }),
      await detect(Readable.from([text.slice(0, 1000), text.slice(1000)]), { model }),
      await detect({ calls: read.calls, table: read.table }, { model }),
      await detectFile(CN1, { model }),
      detectSync(names, { model }),
    ];
    for (const f of forms) expect(f).toEqual(v);
  });

  it('gives the same verdict after traces full of unseen call names (the shared read table renews itself)', () => {
    const before = detectSync(readFileSync(EPO), { model });
    // 30 traces of 200 distinct made-up names each: 6,000 names, past the shared table's limit.
    // (Made-up names are not calls NtTrace traces: each trace is refused, after it was read.)
    for (let t = 0; t < 30; t++) {
      const names = Array.from({ length: 200 }, (_, i) => `NtMadeUp${t}x${i}`);
      const refusal = `NOT_A_TRACE: the input is not a trace: 200 read as calls, of which 0 (0.0%) are known calls (first: "NtMadeUp${t}x0", "NtMadeUp${t}x1", "NtMadeUp${t}x2")`;
      expect(errorOf(() => detectSync(names, { model }))).toMatch(refusal);
      expect(errorOf(() => detectSync(names.join('\n'), { model }))).toMatch(
        refusal.replace('the input is not a trace: ', 'the input is not a trace: 200 lines, '),
      );
    }
    expect(detectSync(readFileSync(EPO), { model })).toEqual(before);
    expect(before).toMatchObject({ calls: 371, unfamiliar: false, insufficient: false });
  });

  it('applies the policy: any (upstream default) vs all (harsh)', () => {
    const text = readFileSync(EPO, 'utf8');
    const any = detectSync(text, { model });
    expect(any.members.map((m) => m.malicious)).toEqual([false, true]);
    expect(any.malicious).toBe(true);
    const all = detectSync(text, { model, policy: 'all' });
    expect(all).toMatchObject({ malicious: false, policy: 'all' });
    expect(detectSync(text, { model, policy: 'majority' }).malicious).toBe(false);
  });

  it("refuses 'mean' on an uncalibrated model and a bad threshold", async () => {
    expect(await errorOfAsync(() => detectSync('NtClose', { model, policy: 'mean' }))).toMatch(
      /^INVALID_OPTION: invalid option policy: expected 'any', 'all' or 'majority' \('mean' averages probabilities/,
    );
    expect(await errorOfAsync(() => detectSync('NtClose', { model, threshold: 1.5 }))).toBe(
      'INVALID_OPTION: invalid option threshold: expected a probability in [0, 1], received 1.5',
    );
  });

  it('calls a trace too short for an n-gram insufficient, one with no known n-gram unfamiliar, with the reason', () => {
    const short = detectSync(['NtOpenKey', 'NtClose', 'NtClose', 'NtOpenFile', 'NtClose'], { model });
    expect(short).toEqual({
      schemaVersion: 2,
      verdict: 'insufficient',
      malicious: false,
      unfamiliar: false,
      insufficient: true,
      reason: 'the trace has 5 calls, fewer than the 10 an n-gram of the model needs',
      policy: 'any',
      members: [],
      calls: 5,
      ngrams: 0,
      knownNgrams: 0,
      unknownNgramFraction: null,
    });
    // No member votes on an undecided trace (naive Bayes alone would say malicious on an
    // empty row: its prior favours the larger class).
    expect(short.members).toEqual([]);
    // A call NtTrace traces that the corpus never saw.
    const unknown = detectSync(Array(20).fill('NtAddAtom'), { model });
    expect(unknown).toMatchObject({
      verdict: 'unfamiliar',
      malicious: false,
      unfamiliar: true,
      insufficient: false,
      ngrams: 11,
      knownNgrams: 0,
      unknownNgramFraction: 1,
      reason:
        '0 distinct n-grams of the trace are known to the model (0.0% of its 11), fewer than the 50 a verdict needs: ' +
        'the trace is unlike what the model was trained on (another program family, platform or tracer?)',
    });
    // Even with no minimum, a trace with no known n-gram gets no verdict (it would be the intercept's).
    expect(detectSync(Array(20).fill('NtAddAtom'), { model, minKnownNgrams: 0 })).toMatchObject({ verdict: 'unfamiliar', members: [] });
  });

  it('calls a trace unfamiliar below the minimum of distinct known n-grams, and judges it at the minimum', () => {
    const calls = readFileSync(CN1, 'utf8').split('\n').filter(Boolean);
    const v = detectSync(calls, { model });
    expect(v).toMatchObject({ verdict: v.malicious ? 'malicious' : 'benign', unfamiliar: false });
    const k = v.knownNgrams;
    expect(k).toBeGreaterThan(50);
    expect(detectSync(calls, { model, minKnownNgrams: k })).toMatchObject({ verdict: v.verdict, knownNgrams: k });
    const below = detectSync(calls, { model, minKnownNgrams: k + 1 });
    expect(below).toMatchObject({ verdict: 'unfamiliar', malicious: false, unfamiliar: true, knownNgrams: k, members: [] });
    expect(below.reason).toMatch(
      new RegExp(
        `^${k} distinct n-grams of the trace are known to the model \\(100\\.0% of its ${v.ngrams}\\), fewer than the ${k + 1} a verdict needs`,
      ),
    );
    expect(() => detectSync(calls, { model, minKnownNgrams: 1.5 })).toThrow(
      /invalid option minKnownNgrams: expected a whole number >= 0, received 1\.5/,
    );
  });

  it('warns when more than 3/4 of the n-grams are unknown (a trace unlike the training data)', () => {
    const calls = readFileSync(CN1, 'utf8').split('\n').filter(Boolean).slice(0, 40);
    // Calls NtTrace traces that the corpus never saw: a trace of calls, unknown to the model.
    const unseen = ['NtAddAtom', 'NtCreateProfile', 'NtDebugActiveProcess', 'NtLoadEnclaveData'];
    const mixed = (n: number) => [...calls, ...Array.from({ length: n }, (_, i) => unseen[i % unseen.length])];
    // (31 known n-grams: judged only with a lower minimum than the default.)
    expect(detectSync(mixed(150), { model }).verdict).toBe('unfamiliar');
    const v = detectSync(mixed(150), { model, minKnownNgrams: 10 });
    expect(v).toMatchObject({ insufficient: false, unfamiliar: false, knownNgrams: 31, ngrams: 181 });
    expect(v.unknownNgramFraction).toBeCloseTo(1 - 31 / 181, 12);
    expect(v.warning).toBe(
      "82.9% of the trace's n-grams are unknown to the model: the trace is unlike the training data (another architecture, tracer or format?), so the verdict is unreliable",
    );
    // 65.9% unknown: under the measured threshold (0.75), no warning.
    const w = detectSync(mixed(60), { model, minKnownNgrams: 10 });
    expect(w.unknownNgramFraction).toBeCloseTo(1 - 31 / 91, 12);
    expect(w.warning).toBeUndefined();
  });

  it('refuses an input whose lines are not calls the model knows (NOT_A_TRACE), and takes one with a minority of them', () => {
    const numbers = Array.from({ length: 2000 }, (_, i) => String(i + 1)).join('\n') + '\n';
    expect(errorOf(() => detectSync(numbers, { model, source: 'f.txt' }))).toBe(
      'NOT_A_TRACE: f.txt is not a trace: 2000 lines, 2000 read as calls, of which 0 (0.0%) are known calls (first: "1", "2", "3"); ' +
        'the model expects NT system calls (the 537 calls NtTrace traces, such as NtOpenFile), at least 50% of the calls',
    );
    const calls = readFileSync(CN1, 'utf8').split('\n').filter(Boolean);
    // Just under and at one half of known calls.
    const half = calls.length;
    expect(errorOf(() => detectSync([...calls, ...Array(half + 1).fill('Foo')], { model }))).toMatch(/^NOT_A_TRACE: /);
    expect(detectSync([...calls, ...Array(half).fill('Foo')], { model }).verdict).not.toBe('refused');
  });

  it('throws typed errors for inputs that are not traces', async () => {
    expect(await errorOfAsync(() => detectSync('', { model }))).toBe(
      'EMPTY_TRACE: the input is an empty trace (0 bytes): expected an NtTrace log or a reduced trace',
    );
    expect(await errorOfAsync(() => detectSync('hello, world\nthis is a letter\n', { model, source: 'letter.txt' }))).toMatch(
      /^NO_CALLS: letter\.txt holds no system call: expected /,
    );
    expect(await errorOfAsync(() => detectFile('/nonexistent/trace.log', { model }))).toBe(
      'TRACE_UNREADABLE: /nonexistent/trace.log: cannot read the trace: no such file',
    );
    expect(await errorOfAsync(() => detectFile(corpusDir, { model }))).toBe(
      `TRACE_UNREADABLE: ${corpusDir}: cannot read the trace: is a folder, not a trace file`,
    );
    expect(await errorOfAsync(() => detectSync(['NtClose', ''], { model }))).toMatch(
      /^INVALID_OPTION: invalid option input\[1\]: expected a call name/,
    );
  });

  it('says clearly when the default model is missing', async () => {
    expect(await errorOfAsync(() => defaultModelSync('/nonexistent/default.ntmd'))).toBe(
      "NO_DEFAULT_MODEL: no model given and the default model is missing (/nonexistent/default.ntmd); pass a model (detect(input, { model }), --model F) or train one with 'ntmaldetect train'",
    );
  });

  it('loads a model given as a path or bytes', async () => {
    const dir = scratchDir('ntmd-api-');
    const path = join(dir, 'm.ntmd');
    await model.save(path);
    const v = detectSync(readFileSync(CN1), { model });
    expect(await detect(readFileSync(CN1), { model: path })).toEqual(v);
    expect(await detect(readFileSync(CN1), { model: readFileSync(path) })).toEqual(v);
    expect((await loadModel(path)).info().members).toEqual(model.info().members);
  });
});

describe('explain', () => {
  it('gives contributions that sum with the prior or intercept to each decision value (1e-9)', () => {
    for (const doc of corpus.docs.filter((d) => d.label === 1).slice(0, 20)) {
      const e = explainSync({ calls: doc.calls, table: corpus.table }, { model });
      for (const m of e.members) {
        const sum = m.contributions.reduce((s, c) => s + c.contribution, 0) + m.bias.value;
        expect(Math.abs(sum - m.score)).toBeLessThan(1e-9);
        expect(m.rest).toBe(0);
        expect(m.total).toBe(m.contributions.length);
      }
      expect(e.members[0].bias.label).toBe('prior');
      expect(e.members[1].bias.label).toBe('intercept');
      expect(e.members[0].total).toBe(model.tfidf.transformOne(doc.calls, corpus.table).X.indptr[1]);
    }
  });

  it('trims to the top contributions and keeps the rest as a sum', async () => {
    const full = await explain({ path: CN1 }, { model });
    const top = await explain({ path: CN1 }, { model, top: 3 });
    for (let i = 0; i < full.members.length; i++) {
      const f = full.members[i];
      const t = top.members[i];
      expect(t.contributions).toEqual(f.contributions.slice(0, 3));
      for (let k = 1; k < f.contributions.length; k++) {
        expect(Math.abs(f.contributions[k - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(f.contributions[k].contribution));
      }
      const sum = t.contributions.reduce((s, c) => s + c.contribution, 0) + t.rest + t.bias.value;
      expect(Math.abs(sum - t.score)).toBeLessThan(1e-9);
    }
  });

  it('locates each n-gram in the lines of a raw NtTrace log', async () => {
    const lines = readFileSync(RAW, 'utf8').split('\n');
    const e = await explain({ path: RAW }, { model, top: 25 });
    expect(e.lineNumbers).toBe(true);
    let checked = 0;
    for (const m of e.members) {
      for (const c of m.contributions) {
        const names = c.ngram.split(' ');
        expect(c.lines.length).toBeGreaterThan(0);
        for (const [a, b] of c.lines) {
          expect(lines[a - 1].toLowerCase().startsWith(names[0] + '(')).toBe(true);
          expect(lines[b - 1].toLowerCase().startsWith(names[names.length - 1] + '(')).toBe(true);
          expect(b).toBeGreaterThanOrEqual(a + names.length - 1);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(25);
  });

  it('lists the most informative features per member', () => {
    const [nb, svc] = topFeaturesSync(model, { top: 5 });
    expect(nb.features).toBe(model.tfidf.vocabularySize);
    expect(svc.features).toBe(model.info().members[1].features);
    for (const m of [nb, svc]) {
      expect(m.malicious.length).toBe(5);
      expect(m.benign.length).toBe(5);
      for (let k = 1; k < 5; k++) {
        expect(m.malicious[k - 1].weight).toBeGreaterThanOrEqual(m.malicious[k].weight);
        expect(m.benign[k - 1].weight).toBeLessThanOrEqual(m.benign[k].weight);
      }
      expect(m.malicious[0].weight).toBe(model.members[m === nb ? 0 : 1].weights.reduce((a, b) => Math.max(a, b), -Infinity));
      expect(m.malicious[0].ngram.split(' ').length).toBe(10);
    }
  });
});

describe('train', () => {
  const small = { members: [{ kind: 'multinomial-nb' as const, alpha: 0.01 }], tfidf: { ngramRange: [3, 3] as [number, number] } };

  it('takes a folder, { benign, malicious }, a loaded corpus or { store, filter } alike', async () => {
    const dir = scratchDir('ntmd-train-');
    mkdirSync(join(dir, 'sysBEN'));
    mkdirSync(join(dir, 'sysMAL'));
    for (const f of ['LOG_epo.exe.txt', 'LOG_binary_search.exe.txt'])
      writeFileSync(join(dir, 'sysBEN', f), readFileSync(join(corpusDir, 'sysBEN', f)));
    for (const f of ['LOG_cn1.exe.txt', 'LOG_36000.exe.txt'])
      writeFileSync(join(dir, 'sysMAL', f), readFileSync(join(corpusDir, 'sysMAL', f)));
    writeFileSync(join(dir, 'sysBEN', 'LOG_empty.txt'), '');
    const warnings: string[] = [];
    const a = await train(dir, { config: small, seed: 1, onWarning: (w) => warnings.push(w) });
    expect(warnings).toContain('skipped empty trace sysBEN/LOG_empty.txt');
    expect(a.info().corpus).toMatchObject({ documents: 4, benign: 2, malicious: 2, skippedEmpty: 1, duplicates: 0 });
    const b = await train({ benign: join(dir, 'sysBEN'), malicious: join(dir, 'sysMAL') }, { config: small, seed: 1 });
    const loaded = await loadCorpus(dir);
    const c = await train(loaded, { config: small, seed: 1 });
    let asked: unknown;
    const store = { loadCorpus: (filter: unknown) => ((asked = filter), Promise.resolve(loaded)) };
    const d = await train({ store, filter: { label: 'any' } }, { config: small, seed: 1 });
    expect(asked).toEqual({ label: 'any' });
    const bytes = Buffer.from(a.toBytes());
    for (const m of [b, c, d]) expect(Buffer.from(m.toBytes()).equals(bytes)).toBe(true);
    // A different seed is recorded, so the file differs.
    expect(Buffer.from((await train(loaded, { config: small, seed: 2 })).toBytes()).equals(bytes)).toBe(false);
  });

  it('reports a folder with no trace and an unknown preset with typed errors', async () => {
    const empty = scratchDir('ntmd-empty-');
    expect(await errorOfAsync(() => train(empty))).toMatch(
      /^EMPTY_CORPUS: .* holds no trace: expected the folders sysBEN\/ \(benign\) and sysMAL\/ \(malicious\) inside it/,
    );
    expect(await errorOfAsync(() => train(empty, { preset: 'nope' }))).toMatch(/^UNKNOWN_PRESET: unknown preset "nope"/);
    expect(await errorOfAsync(() => train({ benign: '/nonexistent/b', malicious: '/nonexistent/m' }))).toMatch(
      /^CORPUS_NOT_FOUND: \/nonexistent\/b not found/,
    );
  });

  it('accepts overrides on top of a preset', async () => {
    const t = new CallTable();
    const docs = ['NtA NtB NtC NtD', 'NtB NtC NtD NtA', 'NtX NtY NtZ NtX', 'NtY NtZ NtX NtY'].map((s) =>
      Int32Array.from(s.split(' '), (n) => t.intern(n)),
    );
    const corpus4: Corpus = {
      docs: docs.map((calls, i) => ({ name: `d${i}`, label: i < 2 ? 0 : 1, calls, sha256: String(i).repeat(64).slice(0, 64), bytes: 1 })),
      table: t,
      skippedEmpty: [],
    };
    const m = await train(corpus4, { preset: 'ntmaldetect-2018', ngramRange: [2, 2], policy: 'all', seed: 5 });
    expect(m.config.tfidf.ngramRange).toEqual([2, 2]);
    expect(m.config.policy).toBe('all');
    expect(m.config.members.map((x) => x.kind)).toEqual(['multinomial-nb', 'linear-svc']);
    // A two-n-gram trace is judged only with a minimum of known n-grams that low: given per
    // call, or stored in the model's configuration (which its file keeps).
    expect(detectSync(['NtX', 'NtY', 'NtZ'], { model: m }).verdict).toBe('unfamiliar');
    expect(detectSync(['NtX', 'NtY', 'NtZ'], { model: m, minKnownNgrams: 2 })).toMatchObject({
      verdict: 'malicious',
      malicious: true,
      insufficient: false,
    });
    const low = await loadModel(
      (await train(corpus4, { preset: 'ntmaldetect-2018', ngramRange: [2, 2], policy: 'all', seed: 5, minKnownNgrams: 2 })).toBytes(),
    );
    expect(low.config.minKnownNgrams).toBe(2);
    expect(m.config.minKnownNgrams).toBeUndefined();
    expect(detectSync(['NtX', 'NtY', 'NtZ'], { model: low })).toMatchObject({ verdict: 'malicious', malicious: true, insufficient: false });
    expect(detectSync(['NtA', 'NtB', 'NtC'], { model: low })).toMatchObject({ verdict: 'benign', malicious: false, insufficient: false });
    expect(detectSync(['NtA', 'NtB', 'NtC'], { model: low, minKnownNgrams: 3 }).verdict).toBe('unfamiliar');
    await expect(train(corpus4, { minKnownNgrams: -1 })).rejects.toThrow(/invalid option minKnownNgrams: expected a whole number >= 0/);
  });

  it('calibrates members with Platt scaling: probabilities, the mean policy, and the file round trip', async () => {
    const pick = [...corpus.docs.filter((d) => d.label === 0).slice(0, 12), ...corpus.docs.filter((d) => d.label === 1).slice(0, 12)];
    const sub: Corpus = { docs: pick, table: corpus.table, skippedEmpty: [] };
    const config = {
      tfidf: { ngramRange: [3, 3] as [number, number] },
      members: [
        { kind: 'multinomial-nb' as const, alpha: 0.01 },
        { kind: 'linear-svc' as const, select: null },
      ],
      calibrate: true,
      policy: 'mean' as const,
    };
    const m = trainOnCorpus(sub, config);
    expect(m.members.every((x) => x.platt !== null && x.platt.a < 0)).toBe(true);
    const s = m.scoreDocs(
      pick.map((d) => d.calls),
      corpus.table,
    );
    expect(s.ensemble.mean).toBeDefined();
    for (const ms of s.members) {
      expect(ms.probabilities).toBeDefined();
      for (let i = 0; i < pick.length; i++) {
        const p = ms.probabilities![i];
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
      }
    }
    const v = detectSync({ calls: pick[20].calls, table: corpus.table }, { model: m });
    expect(v.policy).toBe('mean');
    const mean = (v.members[0].probability! + v.members[1].probability!) / 2;
    expect(v.probability).toBeCloseTo(mean, 15);
    expect(v.malicious).toBe(mean > 0.5);
    const back = await loadModel(m.toBytes());
    expect(back.members.map((x) => x.platt)).toEqual(m.members.map((x) => x.platt));
    expect(detectSync({ calls: pick[20].calls, table: corpus.table }, { model: back })).toEqual(v);
    expect(back.info().members.every((x) => x.calibrated)).toBe(true);
  });
});
