import { describe, expect, it } from 'vitest';
import { alphabetOf, inputOf, mergeConfig, resolveConfig, tfidfOptionsOf } from './config.js';
import { PRESETS, getPreset, presetConfig, presetNames, registerPreset } from './presets.js';
import { errorOf } from './test-helpers/error-of.js';

describe('model configuration', () => {
  it("'ntmaldetect-2018' is exactly the upstream model", () => {
    expect(presetConfig('ntmaldetect-2018')).toEqual({
      tfidf: {
        ngramRange: [10, 10],
        minDf: 1,
        maxDf: 1,
        maxFeatures: null,
        sublinearTf: false,
        smoothIdf: true,
        useIdf: true,
        norm: 'l2',
        lowercase: true,
      },
      members: [
        { kind: 'multinomial-nb', name: 'multinomial-nb', alpha: 0.01, fitPrior: true },
        {
          kind: 'linear-svc',
          name: 'linear-svc',
          C: 1,
          tol: 1e-4,
          maxIter: 1000,
          select: { C: 1, tol: 1e-3, maxIter: 1000, threshold: 1e-5 },
          seed: 0,
        },
      ],
      policy: 'any',
      threshold: 0.5,
      calibrate: false,
      seed: 0,
    });
  });

  it('fills defaults, and resolving twice changes nothing (idempotent)', () => {
    const c = resolveConfig({
      members: [
        { kind: 'linear-svc', select: null },
        { kind: 'sgd', name: 'sgd-log', loss: 'log_loss' },
      ],
      seed: 7,
    });
    expect(c.members[0]).toEqual({ kind: 'linear-svc', name: 'linear-svc', C: 1, tol: 1e-4, maxIter: 1000, select: null, seed: 7 });
    expect(c.members[1]).toEqual({
      kind: 'sgd',
      name: 'sgd-log',
      loss: 'log_loss',
      penalty: 'l2',
      alpha: 1e-4,
      maxIter: 1000,
      tol: 1e-3,
      seed: 7,
    });
    expect(resolveConfig(c)).toEqual(c);
    expect(JSON.stringify(resolveConfig(c))).toBe(JSON.stringify(c));
  });

  it('merges overrides field by field (tfidf merged, members replaced)', () => {
    const c = mergeConfig(getPreset('ntmaldetect-2018').config, { tfidf: { ngramRange: [3, 4] }, policy: 'all', seed: 3 });
    expect(c.tfidf.ngramRange).toEqual([3, 4]);
    expect(c.tfidf.norm).toBe('l2');
    expect(c.policy).toBe('all');
    expect(c.members[1].kind === 'linear-svc' && c.members[1].seed).toBe(3);
  });

  it('names the offending field of a bad configuration', () => {
    expect(errorOf(() => resolveConfig({ members: [] }))).toBe(
      'INVALID_OPTION: invalid option members: expected a non-empty array of members, received an array of length 0',
    );
    expect(errorOf(() => resolveConfig({ members: [{ kind: 'multinomial-nb', alpha: -1 }] }))).toBe(
      'INVALID_OPTION: invalid option members[0].alpha: expected a number >= 0, received -1',
    );
    expect(errorOf(() => resolveConfig({ members: [{ kind: 'knn' } as never] }))).toBe(
      'INVALID_OPTION: invalid option members[0].kind: expected one of multinomial-nb, linear-svc, sgd, received "knn"',
    );
    expect(errorOf(() => resolveConfig({ members: [{ kind: 'multinomial-nb' }, { kind: 'multinomial-nb' }] }))).toMatch(
      /members\[1\]\.name: expected a name not used by another member/,
    );
    expect(errorOf(() => resolveConfig({ policy: 'some' as never }))).toBe(
      'INVALID_OPTION: invalid option policy: expected one of any, all, majority, mean, received "some"',
    );
    expect(errorOf(() => resolveConfig({ tfidf: { ngramRange: [5, 2] } }))).toMatch(/^INVALID_OPTION: invalid option tfidf\.ngramRange/);
    expect(errorOf(() => resolveConfig({ tfidf: { ngram: 3 } as never }))).toMatch(/tfidf\.ngram: expected no such option/);
    expect(errorOf(() => resolveConfig({ threshold: 2 }))).toBe(
      'INVALID_OPTION: invalid option threshold: expected a probability in [0, 1], received 2',
    );
    expect(errorOf(() => resolveConfig({ seed: 1.5 }))).toMatch(/invalid option seed/);
  });

  it('stores alphabet and input only when they are not the defaults', () => {
    const nt = resolveConfig({});
    expect('alphabet' in nt || 'input' in nt).toBe(false);
    expect(resolveConfig({ alphabet: 'nt', input: 'nttrace' })).toEqual(nt);
    expect(JSON.stringify(resolveConfig({ alphabet: 'nt', input: 'nttrace' }))).toBe(JSON.stringify(nt));
    const custom = resolveConfig({ alphabet: 'custom', input: 'csv' });
    expect(custom.alphabet).toBe('custom');
    expect(custom.input).toBe('csv');
    expect(alphabetOf(nt)).toBe('nt');
    expect(inputOf(nt)).toBe('nttrace');
    expect(alphabetOf(custom)).toBe('custom');
    expect(tfidfOptionsOf(custom).tokenRule).toBe('nonspace');
    expect(tfidfOptionsOf(nt).tokenRule).toBe('word');
    expect(resolveConfig(custom)).toEqual(custom);
    expect(errorOf(() => resolveConfig({ alphabet: 'linux' as never }))).toBe(
      'INVALID_OPTION: invalid option alphabet: expected one of nt, custom, received "linux"',
    );
    expect(errorOf(() => resolveConfig({ input: 'json' as never }))).toBe(
      'INVALID_OPTION: invalid option input: expected one of nttrace, words, csv, tsv, received "json"',
    );
    expect(errorOf(() => resolveConfig({ tfidf: { tokenRule: 'nonspace' } }))).toMatch(/tfidf\.tokenRule: expected no such option/);
  });

  it('reports an unknown preset with the known ones', () => {
    expect(errorOf(() => getPreset('nope'))).toBe(`UNKNOWN_PRESET: unknown preset "nope"; known presets: ${presetNames().join(', ')}`);
  });

  it('registers presets after validating them', () => {
    expect(errorOf(() => registerPreset({ name: 'bad-d', description: '', config: { policy: 'x' as never } }))).toMatch(
      /invalid option policy/,
    );
    expect(PRESETS.has('bad-d')).toBe(false);
    registerPreset({ name: 'test-d', description: 'test', config: { members: [{ kind: 'multinomial-nb' }] } });
    expect(presetConfig('test-d').members).toEqual([{ kind: 'multinomial-nb', name: 'multinomial-nb', alpha: 1, fitPrior: true }]);
    PRESETS.delete('test-d');
  });
});
