/**
 * The model file, on random models (no corpus needed): what is loaded from a file scores
 * exactly as the model that wrote it, the file is deterministic and canonical (a loaded
 * model writes the same bytes), signed or not.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallTable } from '../tokenize/index.js';
import { FittedTfidf } from '../tfidf/vectorizer.js';
import { FittedPipeline } from './fitted.js';
import { presetConfig } from './presets.js';
import { resolveConfig } from './config.js';
import type { LinearMember } from './linear.js';
import { Model, loadModelSync } from './model.js';
import { readContainer } from './container.js';
import { errorOf } from './test-helpers/error-of.js';

interface Spec {
  readonly nNames: number;
  readonly lo: number;
  readonly span: number;
  readonly grams: number[][];
  readonly idfPool: number[];
  readonly idfPick: number[];
  readonly members: { density: number; weights: number[]; platt: { a: number; b: number } | null; bias: number }[];
  /** Per document: features to include (an index into grams) each followed by a few random ids. */
  readonly docs: { gram: number; noise: number[] }[][];
}

const weight = fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }));

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    // Up to 300 names: ids in 8 bits up to 256 names, in 16 above.
    nNames: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 250, max: 300 })),
    lo: fc.integer({ min: 1, max: 3 }),
    span: fc.integer({ min: 0, max: 2 }),
  })
  .chain(({ nNames, lo, span }) =>
    fc.record({
      nNames: fc.constant(nNames),
      lo: fc.constant(lo),
      span: fc.constant(span),
      grams: fc.uniqueArray(
        fc
          .integer({ min: lo, max: lo + span })
          .chain((n) => fc.array(fc.integer({ min: 0, max: nNames - 1 }), { minLength: n, maxLength: n })),
        { minLength: 1, maxLength: 60, selector: (g) => g.join(',') },
      ),
      idfPool: fc.array(fc.double({ min: 1, max: 9, noNaN: true }), { minLength: 1, maxLength: 8 }),
      idfPick: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
      members: fc.array(
        fc.record({
          density: fc.double({ min: 0, max: 1, noNaN: true }),
          weights: fc.array(weight, { minLength: 60, maxLength: 60 }),
          platt: fc.option(fc.record({ a: fc.double({ min: -5, max: 5, noNaN: true }), b: fc.double({ min: -5, max: 5, noNaN: true }) })),
          bias: fc.double({ min: -10, max: 10, noNaN: true }),
        }),
        { minLength: 2, maxLength: 2 },
      ),
      docs: fc.array(
        fc.array(fc.record({ gram: fc.nat(), noise: fc.array(fc.integer({ min: 0, max: nNames }), { maxLength: 3 }) }), { maxLength: 12 }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  );

const names = (n: number) => Array.from({ length: n }, (_, i) => `nt${String(i).padStart(3, '0')}`);

function build(spec: Spec): Model {
  const base = presetConfig('ntmaldetect-2018');
  const config = resolveConfig({ ...base, tfidf: { ...base.tfidf, ngramRange: [spec.lo, spec.lo + spec.span] }, calibrate: false });
  const V = spec.grams.length;
  const tfidf = FittedTfidf.restore(
    config.tfidf,
    names(spec.nNames),
    Int32Array.from(spec.grams.flat()),
    Int32Array.from(spec.grams, (g) => g.length),
    Float64Array.from({ length: V }, (_, j) => spec.idfPool[spec.idfPick[j] % spec.idfPool.length]),
  );
  const members: LinearMember[] = spec.members.map((m, i) => ({
    name: config.members[i].name,
    kind: config.members[i].kind,
    bias: m.bias,
    // A share of the columns zero (the rest as drawn, zeros and -0 included): from sparse
    // members (an index section) to dense ones (every weight stored).
    weights: Float64Array.from({ length: V }, (_, j) => (j < Math.floor(m.density * V) ? m.weights[j] : 0)),
    platt: m.platt,
  }));
  return new Model(new FittedPipeline(config, tfidf, members), { corpus: null, metrics: { fold: [1, 2] } });
}

function docsOf(spec: Spec): { docs: Int32Array[]; table: CallTable } {
  const table = new CallTable();
  const all = [...names(spec.nNames), 'NtNotInTheModel'];
  // Documents made of the model's own n-grams (so that weights and idf count), with noise
  // between them (id nNames: a name the model does not know).
  const ids = spec.docs.map((d) => d.flatMap(({ gram, noise }) => [...spec.grams[gram % spec.grams.length], ...noise]));
  return { docs: ids.map((d) => Int32Array.from(d, (k) => table.intern(all[k]))), table };
}

function sameScores(a: Model, b: Model, spec: Spec): string[] {
  const { docs, table } = docsOf(spec);
  const x = a.scoreDocs(docs, table);
  const y = b.scoreDocs(docs, table);
  const differ: string[] = [];
  // The scores exercise the weights: not every score is the bias alone.
  if (
    x.members.every((m, i) => m.scores.every((s) => s === a.members[i].bias)) &&
    a.members.some((m) => m.weights.some((w) => w !== 0)) &&
    docs.some((d) => d.length > 0)
  ) {
    hits.bias++;
  } else hits.weighed++;
  x.members.forEach((m, i) => {
    m.scores.forEach((s, r) => {
      if (!Object.is(s, y.members[i].scores[r])) differ.push(`${m.name}[${r}]: ${s} vs ${y.members[i].scores[r]}`);
      if (m.labels[r] !== y.members[i].labels[r]) differ.push(`${m.name}[${r}] label`);
    });
  });
  return differ;
}

const hits = { bias: 0, weighed: 0 };

describe('model files of random models', () => {
  it('decode(encode(model)) scores every document bit for bit; the file is deterministic and canonical', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const model = build(spec);
        const bytes = model.toBytes();
        expect(Buffer.from(model.toBytes()).equals(Buffer.from(bytes))).toBe(true);
        const loaded = loadModelSync(bytes, { source: 'p.ntmd' });
        expect(loaded.info().format.version).toBe(2);
        expect(sameScores(model, loaded, spec)).toEqual([]);
        expect(Array.from(loaded.tfidf.idf)).toEqual(Array.from(model.tfidf.idf));
        expect(Buffer.from(loaded.toBytes()).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 60 },
    );
    // Most runs score documents through their weights (a run with only zero weights in
    // the documents' columns, or empty documents, scores the bias alone).
    expect(hits.weighed).toBeGreaterThan(3 * hits.bias);
  });

  it('stores members densely when that is no larger, sparsely otherwise, and ids in the narrowest type', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const model = build(spec);
        const c = readContainer(model.toBytes(), 'p');
        const V = spec.grams.length;
        model.members.forEach((m, i) => {
          const nz = m.weights.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0);
          expect(c.sections.has(`members[${i}].index`)).toBe(3 * nz < 2 * V);
          expect(c.sections.get(`members[${i}].weight`)!.length).toBe(3 * nz < 2 * V ? nz : V);
        });
        expect(c.sections.get('vocab.ids')!.constructor).toBe(spec.nNames <= 256 ? Uint8Array : Uint16Array);
      }),
      { numRuns: 40 },
    );
  });

  it('round-trips signed: the same scores, the signer, and refused under another key', () => {
    const spec = fc.sample(specArb, { numRuns: 1, seed: 7 })[0];
    const model = build(spec);
    const a = generateKeyPairSync('ed25519');
    const b = generateKeyPairSync('ed25519');
    const signed = model.toBytes({ signKey: a.privateKey });
    expect(signed.length).toBe(model.toBytes().length + 96);
    const loaded = loadModelSync(signed, { source: 's.ntmd', trustKey: a.publicKey });
    expect(loaded.signer).toMatch(/^[0-9a-f]{64}$/);
    expect(sameScores(model, loaded, spec)).toEqual([]);
    expect(Buffer.from(model.toBytes({ signKey: a.privateKey })).equals(Buffer.from(signed))).toBe(true);
    expect(errorOf(() => loadModelSync(signed, { source: 's.ntmd', trustKey: b.publicKey }))).toMatch(/^MODEL_UNTRUSTED: s\.ntmd/);
    const flipped = signed.slice();
    flipped[signed.length - 200] ^= 4;
    expect(errorOf(() => loadModelSync(flipped, { source: 's.ntmd' }))).toMatch(/^MODEL_TAMPERED: s\.ntmd/);
  });

  it('a model loaded from bytes does not change when the bytes do', () => {
    // A model with a dense member (its weights a view of the file when the file is owned)
    // and documents that use its columns.
    const grams = Array.from({ length: 20 }, (_, f) => [f % 5, (f * 7) % 11, f % 3]);
    const spec: Spec = {
      nNames: 11,
      lo: 3,
      span: 0,
      grams,
      idfPool: [1.5, 2.25, 3],
      idfPick: Array.from({ length: 60 }, (_, j) => j),
      members: [0, 1].map((m) => ({
        density: 1,
        weights: Array.from({ length: 60 }, (_, j) => (j % 4 === 3 ? 0 : (j - 20) / (m + 3))),
        platt: null,
        bias: m - 0.5,
      })),
      docs: [grams.map((_, gram) => ({ gram, noise: [gram % 11] }))],
    };
    const model = build(spec);
    expect(readContainer(model.toBytes(), 'b').sections.has('members[0].index')).toBe(false);
    const bytes = model.toBytes();
    const loaded = loadModelSync(bytes, { source: 'b.ntmd' });
    bytes.fill(0x7f, 16, bytes.length - 32);
    expect(sameScores(model, loaded, spec)).toEqual([]);
  });
});
