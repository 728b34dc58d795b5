/**
 * Model files written by earlier versions keep loading and scoring exactly as they did:
 * fixtures/models/v1-*.ntmd were written by the last version-1 writer (scripts/
 * make-v1-model-fixtures.mjs, run on a build of 64fdc5f), with the scores that build gave in
 * fixtures/models/v1-scores.json.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CallTable, readTraceSync } from '../tokenize/index.js';
import { loadModelSync } from './model.js';
import { readContainer } from './container.js';
import { errorOf } from './test-helpers/error-of.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'fixtures', 'models');

interface Expected {
  readonly traces: readonly string[];
  readonly files: Record<
    string,
    {
      readonly sha256: string;
      readonly sections: readonly string[];
      readonly signer: string | null;
      readonly members: readonly { name: string; scores: number[]; labels: number[] }[];
    }
  >;
}
const expected = JSON.parse(readFileSync(join(dir, 'v1-scores.json'), 'utf8')) as Expected;

/** The fixtures' signing key (scripts/make-v1-model-fixtures.mjs): Ed25519 from a fixed seed. */
function fixturePublicKey() {
  const seed = createHash('sha256').update('ntmaldetect model fixture key').digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

describe('version-1 model files (fixtures written by the last version-1 writer)', () => {
  const table = new CallTable();
  const docs = expected.traces.map(
    (name) => readTraceSync(readFileSync(join(root, 'fixtures', 'nttrace', name)), { table, source: name }).calls,
  );

  it('covers every earlier layout: plain ids, prefix-coded ids, idf index and table, signed', () => {
    expect(Object.keys(expected.files).sort()).toEqual(['v1-idf.ntmd', 'v1-prefix.ntmd', 'v1-signed.ntmd', 'v1.ntmd']);
    expect(expected.files['v1-prefix.ntmd'].sections).toContain('vocab.tail');
    expect(expected.files['v1-idf.ntmd'].sections).toContain('idf');
    expect(expected.files['v1.ntmd'].sections).toEqual(expect.arrayContaining(['vocab.ids', 'idf.index', 'members[1].index']));
    expect(docs).toHaveLength(30);
  });

  for (const [file, want] of Object.entries(expected.files)) {
    it(`${file}: loads and scores every fixture trace bit for bit as when it was written, saved again too`, () => {
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(want.sha256);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true)).toBe(1);
      expect(readContainer(bytes, file).version).toBe(1);
      const model = loadModelSync(join(dir, file));
      expect(model.info().format.version).toBe(1);
      expect(model.signer).toBe(want.signer);
      // Saved again, it is a version-2 file that scores the same.
      const again = loadModelSync(model.toBytes(), { source: `${file} (v2)` });
      expect(again.info().format.version).toBe(2);
      for (const m of [model, again]) {
        const s = m.scoreDocs(docs, table);
        expect(s.members.map((x) => x.name)).toEqual(want.members.map((x) => x.name));
        s.members.forEach((x, i) => {
          const differ = Array.from(x.scores).flatMap((y, k) => (Object.is(y, want.members[i].scores[k]) ? [] : [`${k}: ${y}`]));
          expect(differ, x.name).toEqual([]);
          expect(Array.from(x.labels)).toEqual(want.members[i].labels);
        });
      }
    });
  }

  it('v1-signed.ntmd: accepted under its trusted key, refused under another, refused when a payload byte flips', () => {
    const path = join(dir, 'v1-signed.ntmd');
    expect(loadModelSync(path, { trustKey: fixturePublicKey() }).signer).toBe(expected.files['v1-signed.ntmd'].signer);
    expect(errorOf(() => loadModelSync(join(dir, 'v1.ntmd'), { trustKey: fixturePublicKey() }))).toMatch(
      /^MODEL_UNTRUSTED: .*the model is not signed/,
    );
    const bytes = new Uint8Array(readFileSync(path));
    bytes[40] ^= 1;
    expect(errorOf(() => loadModelSync(bytes, { source: 's.ntmd' }))).toMatch(/^MODEL_TAMPERED: s\.ntmd/);
  });
});
