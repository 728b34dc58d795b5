import { describe, expect, it } from 'vitest';
import { CallTable } from '../tokenize/call-table.js';
import { autoGrid, selectAutoConfig, trainAuto } from './auto.js';
import { train } from '../api/train.js';
import { syntheticCorpus } from './synthetic.js';

function loaded(traces: number, maxLength: number) {
  const s = syntheticCorpus({ traces, minLength: 3, maxLength, vocabulary: 'winapi', seed: 2 });
  const table = new CallTable();
  const docs = s.traces.map((t) => Int32Array.from(t, (name) => table.intern(name)));
  return { s, table, docs };
}

/** {@link loaded} as a corpus (the shape `loadCorpus` gives). */
function corpusOf(traces: number, maxLength: number) {
  const { s, table, docs } = loaded(traces, maxLength);
  return {
    docs: docs.map((calls, i) => ({ name: s.names[i], label: s.labels[i] as 0 | 1, calls, sha256: String(i), bytes: calls.length })),
    table,
    skippedEmpty: [],
  };
}

describe('auto preset', () => {
  it('only tries n-gram lengths the traces can hold', () => {
    const short = autoGrid([Int32Array.of(1, 2, 3), Int32Array.of(1, 2, 3, 4), Int32Array.of(1, 2)]);
    expect(new Set(short.map((c) => JSON.stringify(c.tfidf.ngramRange)))).toEqual(new Set(['[1,2]']));
    const long = autoGrid([new Int32Array(400), new Int32Array(500)]);
    expect(long.map((c) => c.tfidf.ngramRange?.[1])).toEqual([2, 2, 2, 5, 5, 5, 5, 5, 5, 10, 10, 10]);
    expect(long.every((c) => c.tfidf.sublinearTf === true)).toBe(true);
  });
  it('picks the candidate with the best inner accuracy and ranks every candidate', () => {
    const { s, table, docs } = loaded(240, 40);
    const sel = selectAutoConfig(docs, s.labels, table, { seed: 1 });
    expect(sel.scores.length).toBe(autoGrid(docs).length);
    for (let i = 1; i < sel.scores.length; i++) expect(sel.scores[i - 1].accuracy).toBeGreaterThanOrEqual(sel.scores[i].accuracy);
    const best = sel.scores[0];
    expect(sel.config.tfidf.ngramRange).toEqual(best.tfidf.ngramRange);
    expect(sel.config.members[0].kind).toBe(best.member.kind);
    expect(best.accuracy).toBeGreaterThan(0.6);
    expect(sel.config.seed).toBe(1);
  });
  it('trains a model with the chosen configuration', async () => {
    const corpus = corpusOf(120, 30);
    const { model, selection } = await trainAuto(corpus);
    expect(model.config).toEqual(selection.config);
    expect(model.info().corpus?.documents).toBe(120);
  });
  it('train({ preset: "auto" }) chooses on the corpus like trainAuto, and other options still override', async () => {
    const corpus = corpusOf(120, 30);
    const { model: viaAuto, selection } = await trainAuto(corpus);
    // Traces of at most 30 calls: the static fallback (ten-grams) would leave most of them empty.
    expect(selection.config.tfidf.ngramRange[1]).toBeLessThan(10);
    const viaTrain = await train(corpus, { preset: 'auto' });
    expect(Buffer.from(viaTrain.toBytes()).equals(Buffer.from(viaAuto.toBytes()))).toBe(true);
    const harsh = await train(corpus, { preset: 'auto', policy: 'all' });
    expect(harsh.config.policy).toBe('all');
    expect(harsh.config.tfidf).toEqual(selection.config.tfidf);
  });
});
