import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/tmp.js';
import { loadModel, loadModelSync } from '../model/model.js';
import { DEFAULT_MODEL_PATH, defaultModelSync, resolveModel, resolveModelSync } from './resolve-model.js';
import type { ModelChoice } from './resolve-model.js';

const pem = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const keys = generateKeyPairSync('ed25519');
const trusted = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const dir = scratchDir('ntmd-resolve-');
const defaultBytes = readFileSync(DEFAULT_MODEL_PATH);
const signedBytes = loadModelSync(defaultBytes).toBytes({ signKey: keys.privateKey });
writeFileSync(join(dir, 'signed.ntmd'), signedBytes);

/** The error message of an async or sync call, or 'no error'. */
async function messageOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}

/** Both resolvers' result (they must agree), without the model object. */
async function both(choice: ModelChoice) {
  const a = await resolveModel(choice);
  const s = resolveModelSync(choice);
  expect(s.origin).toBe(a.origin);
  expect(s.path).toBe(a.path);
  expect(s.model.sha256).toBe(a.model.sha256);
  return a;
}

describe('resolveModel', () => {
  it('gives the cached default model when no model is named', async () => {
    const r = await both({});
    expect(r.origin).toBe('default');
    expect(r.path).toBe(DEFAULT_MODEL_PATH);
    expect(r.model).toBe(defaultModelSync());
    expect(r.bytes).toBeUndefined();
  });

  it('reads a path relative to cwd, naming it as given in errors', async () => {
    const r = await both({ model: 'signed.ntmd', cwd: dir });
    expect(r.origin).toBe('file');
    expect(r.path).toBe(join(dir, 'signed.ntmd'));
    expect(Buffer.from(r.bytes!).equals(Buffer.from(signedBytes))).toBe(true);
    const missing = await messageOf(() => resolveModel({ model: 'missing.ntmd', cwd: dir }));
    expect(missing).toBe(await messageOf(() => loadModel(join(dir, 'missing.ntmd'), { source: 'missing.ntmd' })));
    expect(missing).toMatch(/^MODEL_UNREADABLE: .*missing\.ntmd/);
    expect(missing).not.toContain(dir);
    expect(await messageOf(() => resolveModelSync({ model: 'missing.ntmd', cwd: dir }))).toBe(missing);
  });

  it('checks the signature of a file, bytes and the default model against the trust key', async () => {
    expect((await both({ model: 'signed.ntmd', cwd: dir, trustKey: trusted })).model.signer).not.toBeNull();
    expect((await both({ model: signedBytes, trustKey: trusted })).origin).toBe('bytes');
    const other = pem();
    expect(await messageOf(() => resolveModel({ model: 'signed.ntmd', cwd: dir, trustKey: other }))).toMatch(
      /^MODEL_UNTRUSTED: .*signed\.ntmd/,
    );
    expect(await messageOf(() => resolveModelSync({ model: signedBytes, trustKey: other }))).toMatch(/^MODEL_UNTRUSTED: /);
    // The shipped model is unsigned: a trust key refuses it, naming it.
    expect(defaultModelSync().signer).toBeNull();
    const dflt = await messageOf(() => resolveModel({ trustKey: trusted }));
    expect(dflt).toBe(await messageOf(() => loadModelSync(defaultBytes, { source: 'the default model', trustKey: trusted })));
    expect(dflt).toMatch(/^MODEL_UNTRUSTED: .*the default model/);
    expect(await messageOf(() => resolveModelSync({ trustKey: trusted }))).toBe(dflt);
  });

  it('takes a loaded model as it is', async () => {
    const m = loadModelSync(signedBytes);
    const r = await both({ model: m, trustKey: pem() });
    expect(r.model).toBe(m);
    expect(r.origin).toBe('loaded');
  });
});
