import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitPipeline } from './pipeline.js';
import { Model, loadModelSync } from './model.js';
import { readContainer } from './container.js';
import { alphabetOf, inputOf } from './config.js';
import { presetConfig } from './presets.js';
import { errorOf } from './test-helpers/error-of.js';
import { numbers } from './test-helpers/numbers.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHIPPED = join(here, '..', '..', 'models', 'default.ntmd');

describe('the call-name alphabet of a model', () => {
  const config = {
    ...presetConfig('ntmaldetect-2018'),
    tfidf: { ...presetConfig('ntmaldetect-2018').tfidf, ngramRange: [2, 3] as [number, number] },
  };

  it('refuses numeric call names under the NT presets with the scikit-learn token error', () => {
    const { docs, labels, table } = numbers();
    expect(errorOf(() => fitPipeline(config, docs, labels, table))).toMatch(
      /^UNSUPPORTED_CALL_NAME: call name "(6|11|63|195|3|5)" is not a single word token \(two or more letters, digits or underscores\): scikit-learn would split or drop it; .*--alphabet custom/,
    );
  });

  it('fits, saves and reloads a custom-alphabet model with identical scores', () => {
    const { docs, labels, table } = numbers();
    const model = new Model(fitPipeline({ ...config, alphabet: 'custom', input: 'words' }, docs, labels, table));
    expect(model.tfidf.names).toEqual(['11', '195', '3', '5', '6', '63']);
    const bytes = model.toBytes();
    const header = readContainer(bytes, 'm').header as { config: Record<string, unknown> };
    expect(header.config.alphabet).toBe('custom');
    expect(header.config.input).toBe('words');
    const back = loadModelSync(bytes);
    expect(alphabetOf(back.config)).toBe('custom');
    expect(inputOf(back.config)).toBe('words');
    expect(Array.from(back.scoreDocs(docs, table).members[1].scores)).toEqual(Array.from(model.scoreDocs(docs, table).members[1].scores));
    expect(Array.from(back.scoreDocs(docs, table).ensemble.any.labels)).toEqual(Array.from(labels));
  });

  it('reads model files written before the fields existed as the NT alphabet and NtTrace input', () => {
    const bytes = readFileSync(SHIPPED);
    const header = readContainer(bytes, 'default.ntmd').header as { config: Record<string, unknown> };
    expect('alphabet' in header.config || 'input' in header.config).toBe(false);
    const m = loadModelSync(bytes);
    expect(alphabetOf(m.config)).toBe('nt');
    expect(inputOf(m.config)).toBe('nttrace');
    expect('alphabet' in m.config).toBe(false);
  });
});
