import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { corpusDir, projectRoot, referenceDir, requireShared } from '../../test/shared.js';
import { loadCorpus } from '../corpus/index.js';
import type { Corpus } from '../corpus/index.js';
import { presetConfig } from './presets.js';
import { fitPipeline } from './pipeline.js';
import { Model, loadModel, loadModelSync } from './model.js';
import { encodeBody, readContainer, seal, writeContainer } from './container.js';
import type { SectionArray } from './container.js';
import { errorOf } from './test-helpers/error-of.js';

requireShared();

let corpus: Corpus;
let model: Model;
let bytes: Uint8Array;

function fit(): Model {
  const docs = corpus.docs.map((d) => d.calls);
  const labels = Uint8Array.from(corpus.docs, (d) => d.label);
  return new Model(fitPipeline(presetConfig('ntmaldetect-2018'), docs, labels, corpus.table));
}

/**
 * Rewrites a model file with an edited header or sections (valid checksum: a forger's file),
 * as version 2, or as version 1 (gzip, byte-shuffled f64) with `version: 1`.
 */
function forge(edit: (h: Record<string, unknown>, s: Map<string, SectionArray>) => void, version = 2, from = bytes): Uint8Array {
  const c = readContainer(from, 'x');
  const header = structuredClone(c.header);
  const sections = new Map(c.sections);
  edit(header, sections);
  return version === 1
    ? seal(1, gzipSync(encodeBody({ header, sections }, true), { level: 6, mtime: 0 }))
    : writeContainer({ header, sections });
}

beforeAll(async () => {
  corpus = await loadCorpus(corpusDir);
  model = fit();
  bytes = model.toBytes();
});

describe('model of the full corpus (ntmaldetect-2018)', () => {
  it('matches scikit-learn on the reference documents', () => {
    const nb = JSON.parse(readFileSync(join(referenceDir, 'multinomial-nb.json'), 'utf8'));
    const svc = JSON.parse(readFileSync(join(referenceDir, 'svc-pipeline.json'), 'utf8'));
    const names = Object.keys(nb.documents);
    const rows = names.map((n) => corpus.docs.findIndex((d) => d.name === n));
    const s = model.scoreDocs(
      rows.map((r) => corpus.docs[r].calls),
      corpus.table,
    );
    names.forEach((n, i) => {
      const [j0, j1] = nb.documents[n].joint_log_likelihood;
      expect(Math.abs(s.members[0].scores[i] - (j1 - j0))).toBeLessThan(1e-9);
      expect(s.members[0].labels[i]).toBe(nb.documents[n].predicted_label);
      expect(Math.abs(s.members[1].scores[i] - svc.documents[n].decision_function)).toBeLessThan(1e-6);
      expect(s.members[1].labels[i]).toBe(svc.documents[n].predicted_label);
      // Upstream's default mode: malicious if either says so; harsh: only if both do.
      expect(s.ensemble.any.labels[i]).toBe(nb.documents[n].predicted_label | svc.documents[n].predicted_label);
      expect(s.ensemble.all.labels[i]).toBe(nb.documents[n].predicted_label & svc.documents[n].predicted_label);
    });
    expect(model.info().members.map((m) => [m.name, m.features])).toEqual([
      ['multinomial-nb', 242694],
      ['linear-svc', svc.n_features_kept],
    ]);
  });

  it('round-trips through its file: every member decision value on the whole corpus bit for bit (Object.is), every label equal', () => {
    // The trained model against the same model loaded from its bytes (against scikit-learn,
    // decision values agree to 1e-9: src/eval/parity.test.ts and the other parity tests).
    const loaded = loadModelSync(bytes, { source: 'full.ntmd' });
    const docs = corpus.docs.map((d) => d.calls);
    const a = model.scoreDocs(docs, corpus.table);
    const b = loaded.scoreDocs(docs, corpus.table);
    const differ: string[] = [];
    expect(b.members.map((m) => m.name)).toEqual(['multinomial-nb', 'linear-svc']);
    for (let m = 0; m < a.members.length; m++) {
      expect(b.members[m].scores.length).toBe(215);
      a.members[m].scores.forEach((x, i) => {
        if (!Object.is(b.members[m].scores[i], x))
          differ.push(`${a.members[m].name} ${corpus.docs[i].name}: ${b.members[m].scores[i]} vs ${x}`);
      });
      expect(Array.from(b.members[m].labels)).toEqual(Array.from(a.members[m].labels));
    }
    expect(differ).toEqual([]);
    for (const policy of ['any', 'all', 'majority'] as const) {
      expect(Array.from(b.ensemble[policy].labels)).toEqual(Array.from(a.ensemble[policy].labels));
    }
    expect(loaded.info().config).toEqual(model.info().config);
    expect(loaded.info().corpus).toEqual(model.info().corpus);
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    // A loaded model writes the same bytes again.
    expect(Buffer.from(loaded.toBytes()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('is byte-identical when trained twice, and at most 5 MB', () => {
    expect(Buffer.from(fit().toBytes()).equals(Buffer.from(bytes))).toBe(true);
    expect(bytes.length).toBeLessThanOrEqual(5 * 1024 * 1024);
  });

  it('stores no path, name or time', () => {
    const c = readContainer(bytes, 'x');
    const text = JSON.stringify(c.header);
    expect(text).not.toMatch(/sysBEN|sysMAL|LOG_|\/work\/|C:\\\\|20\d\d-\d\d-\d\d/);
    // Version 2: the body is stored as it is (no gzip header with its time), the JSON header first.
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true)).toBe(2);
    expect(Buffer.from(bytes.subarray(20, 40)).toString()).toBe('{"format":"ntmaldetect-model"'.slice(0, 20));
  });

  it('rejects every kind of bad file with a typed error naming it', () => {
    for (const n of [0, 7, 16, 1000, bytes.length >> 1, bytes.length - 1]) {
      expect(errorOf(() => loadModelSync(bytes.subarray(0, n), { source: 'm.ntmd' }))).toMatch(
        /^MODEL_TRUNCATED: m\.ntmd: model file is truncated/,
      );
    }
    const flipped = bytes.slice();
    flipped[bytes.length >> 1] ^= 0x10;
    expect(errorOf(() => loadModelSync(flipped, { source: 'm.ntmd' }))).toMatch(/^MODEL_TAMPERED: m\.ntmd: model file checksum mismatch/);
    const magic = bytes.slice();
    magic[0] = 0x7f;
    expect(errorOf(() => loadModelSync(magic, { source: 'm.ntmd' }))).toMatch(/^MODEL_FOREIGN: m\.ntmd: not an ntmaldetect model file/);
    const future = bytes.slice();
    future[8] = 3;
    expect(errorOf(() => loadModelSync(future, { source: 'm.ntmd' }))).toBe(
      'MODEL_NEWER_VERSION: m.ntmd: model format version 3 is newer than the supported version 2: upgrade ntmaldetect',
    );
    expect(errorOf(() => loadModelSync(gzipSync(new TextEncoder().encode('{"not": "a model"}')), { source: 'j.gz' }))).toBe(
      'MODEL_FOREIGN: j.gz: not an ntmaldetect model file (it is a gzip file)',
    );
  });

  it('validates the earlier prefix-coded vocabulary layout of version 1', () => {
    // fixtures/models/v1-prefix.ntmd (scripts/make-v1-model-fixtures.mjs) loads and scores
    // as when it was written: src/model/v1-fixtures.test.ts. Here: its content is checked.
    const prefixed = new Uint8Array(readFileSync(join(projectRoot, 'fixtures', 'models', 'v1-prefix.ntmd')));
    const bad = forge(
      (_h, s) => {
        const shared = (s.get('vocab.shared') as Uint8Array).slice();
        shared[0] = 3;
        s.set('vocab.shared', shared);
      },
      1,
      prefixed,
    );
    expect(loadModelSync(forge(() => {}, 1, prefixed)).info().format.version).toBe(1);
    expect(errorOf(() => loadModelSync(bad, { source: 'old.ntmd' }))).toBe(
      'MODEL_INVALID: old.ntmd: invalid model content: vocabulary feature 0: length 10, shared prefix 3',
    );
  });

  it('reports a model path it cannot read with MODEL_UNREADABLE', async () => {
    expect(errorOf(() => loadModelSync('/nonexistent/m.ntmd'))).toBe(
      'MODEL_UNREADABLE: /nonexistent/m.ntmd: cannot read the model file: no such file',
    );
    expect(errorOf(() => loadModelSync(corpusDir, { source: 'corpus' }))).toBe(
      'MODEL_UNREADABLE: corpus: cannot read the model file: is a folder',
    );
    await expect(loadModel('/nonexistent/m.ntmd')).rejects.toThrow('/nonexistent/m.ntmd: cannot read the model file: no such file');
  });

  it('validates the content of a well-sealed file field by field', () => {
    const cases: [string, (h: Record<string, unknown>, s: Map<string, SectionArray>) => void, RegExp][] = [
      ['format', (h) => (h.format = 'other'), /header\.format is "other"/],
      ['config', (h) => ((h.config as { policy: string }).policy = 'sometimes'), /header\.config: invalid option policy/],
      [
        'vocabulary size',
        (h) => ((h.vocabulary as { size: number }).size += 1),
        /section vocab\.lengths has 242694 values, expected 242695/,
      ],
      [
        'feature length',
        (_h, s) => ((s.get('vocab.lengths') as Uint8Array)[0] = 9),
        /invalid TF-IDF state: lengths ?\[0\] = 9 is outside ngramRange/,
      ],
      [
        'id count',
        (h) => ((h.vocabulary as { ids: number }).ids -= 1),
        /section vocab\.ids is missing, has the wrong type or does not hold the 2426939 ids the header declares/,
      ],
      ['call id', (_h, s) => ((s.get('vocab.ids') as Uint8Array)[5] = 255), /invalid TF-IDF state: grams ?\[5\] = 255 is not a name id/],
      ['idf value', (_h, s) => ((s.get('idf.values') as Float64Array)[2] = -1), /idf\.values\[2\] = -1 is not a positive number/],
      ['idf index', (_h, s) => ((s.get('idf.index') as Uint8Array)[9] = 250), /idf\.index\[9\] = 250 is outside the \d+ idf values/],
      [
        'weight',
        (_h, s) => ((s.get('members[1].weight') as Float64Array)[0] = NaN),
        /members\[1\]\.weight\[0\] = NaN is not a finite non-zero number/,
      ],
      [
        'column',
        (_h, s) => ((s.get('members[1].index') as Int32Array)[1] = 0),
        /members\[1\]\.index\[1\] gives column \d+, not increasing/,
      ],
      ['bias', (h) => ((h.members as { bias: unknown }[])[0].bias = 'x'), /header\.members\[0\]\.bias is not a finite number/],
      ['missing section', (_h, s) => s.delete('members[0].weight'), /section members\[0\]\.weight is missing or has the wrong type/],
      // Version 2 stores a member densely (zeros too) when that is smaller: naive Bayes here.
      [
        'dense weight count',
        (_h, s) => ((s.get('members[0].weight') as Float64Array)[7] = 0),
        /members\[0\]\.weight has 242693 non-zero weights, header\.members\[0\]\.features says 242694/,
      ],
      [
        'dense weight NaN',
        (_h, s) => ((s.get('members[0].weight') as Float64Array)[3] = NaN),
        /members\[0\]\.weight\[3\] = NaN is not a finite number \(or is -0\)/,
      ],
      [
        'dense weight -0',
        (_h, s) => ((s.get('members[0].weight') as Float64Array)[3] = -0),
        /members\[0\]\.weight\[3\] = -0 is not a finite number \(or is -0\)/,
      ],
      [
        'dense weight length',
        (_h, s) => s.set('members[0].weight', (s.get('members[0].weight') as Float64Array).subarray(1)),
        /section members\[0\]\.weight has 242693 values, expected 242694/,
      ],
      ['corpus', (h) => (h.corpus = { documents: 1 }), /header\.corpus\.benign is not a count/],
    ];
    for (const [what, edit, message] of cases) {
      const err = errorOf(() => loadModelSync(forge(edit), { source: 'f.ntmd' }));
      expect(err, what).toMatch(/^MODEL_INVALID: f\.ntmd: invalid model content: /);
      expect(err, `${what}: ${err}`).toMatch(message);
    }
  });
});
