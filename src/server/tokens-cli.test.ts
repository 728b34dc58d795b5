/**
 * `ntmaldetect tokens` (worker binding, lifetimes, bind, renew, rotate, revoke) and
 * `ntmaldetect programs requeue` as users run them: the built CLI on an embedded store.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from './tokens.js';
import { openServerBackend } from './store-backend.js';
import { sha256Hex } from './app.js';
import { CLI, requireBuilt, tempDir } from './test-helpers/harness.js';

const run = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NTMD_DATABASE_URL: '' }, timeout: 120_000 });
const list = (db: string) =>
  run(['tokens', 'list', '--db', db, '--json'])
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ntmaldetect tokens and programs (child processes, PGlite)', () => {
  let db: string;
  let legacyId: string;
  let failed: string;
  beforeAll(async () => {
    requireBuilt();
    db = tempDir('ntmd-tokens-cli-');
    const backend = await openServerBackend({ db });
    try {
      // A worker token as a store from before worker identity holds it (the migration marks such rows legacy).
      const t = generateToken();
      legacyId = t.id;
      await backend.sql.db.query('INSERT INTO ntmd_api_tokens (id, name, scopes, hash, legacy) VALUES ($1, $2, $3, $4, true)', [
        t.id,
        'old',
        ['worker'],
        t.hash,
      ]);
      const w = await backend.createToken('w', ['worker']);
      const bytes = randomBytes(40);
      failed = sha256Hex(bytes);
      await backend.addProgram(failed, 'bad.exe', bytes, 'token:test');
      const c = await backend.claimJob({ tokenId: w.id, worker: 'w', leaseMs: 60_000, maxAttempts: 1, maxClaims: 2 });
      await backend.failJob(failed, c!.lease, w.id, 'NtTrace missing', 1);
    } finally {
      await backend.close();
    }
  });
  afterAll(() => undefined);

  it('creates a worker token bound to a worker name with a lifetime, and refuses bad input', () => {
    const c = run(['tokens', 'create', '--db', db, '--name', 'box', '--scopes', 'worker', '--worker', 'vm-1', '--ttl', '7d']);
    expect(c.status).toBe(0);
    expect(c.stderr).toMatch(/worker vm-1; expires /);
    const t = list(db).find((x) => x.name === 'box')!;
    expect(t).toMatchObject({ worker: 'vm-1', state: 'active', legacy: false });
    const days = (Date.parse(t.expiresAt as string) - Date.parse(t.createdAt as string)) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    expect(run(['tokens', 'create', '--db', db, '--name', 'x', '--scopes', 'detect', '--worker', 'vm-2']).status).toBe(2);
    const badTtl = run(['tokens', 'create', '--db', db, '--name', 'x', '--scopes', 'worker', '--ttl', '400d']);
    expect(badTtl.status).toBe(2);
    expect(badTtl.stderr).toMatch(/--ttl/);
    expect(run(['tokens', 'renew', legacyId, '--db', db]).status).toBe(2); // needs --ttl
  });

  it('lists a legacy token with a warning, binds it once, renews and rotates', () => {
    const l = run(['tokens', 'list', '--db', db]);
    expect(l.status).toBe(0);
    expect(l.stdout).toMatch(new RegExp(`${legacyId} .* legacy `));
    expect(l.stderr).toMatch(/1 legacy worker token/);
    const b = run(['tokens', 'bind', legacyId, '--worker', 'vm-old', '--db', db]);
    expect(b.status).toBe(0);
    expect(list(db).find((x) => x.id === legacyId)).toMatchObject({ worker: 'vm-old', legacy: false, state: 'active' });
    expect(run(['tokens', 'bind', legacyId, '--worker', 'vm-other', '--db', db]).status).toBe(1);
    const r = run(['tokens', 'renew', legacyId, '--ttl', '2h', '--db', db]);
    expect(r.status).toBe(0);
    const exp = Date.parse(list(db).find((x) => x.id === legacyId)!.expiresAt as string);
    expect(exp - Date.now()).toBeGreaterThan(7000_000);
    expect(exp - Date.now()).toBeLessThan(7300_000);
    const rot = run(['tokens', 'rotate', legacyId, '--db', db]);
    expect(rot.status).toBe(0);
    expect(rot.stdout.trim()).toMatch(/^ntmd_[0-9a-f]{12}_/);
    const all = list(db);
    const fresh = all.find((x) => x.id === rot.stdout.trim().split('_')[1])!;
    expect(fresh).toMatchObject({ name: 'old', worker: 'vm-old', state: 'active' });
    expect(all.find((x) => x.id === legacyId)).toMatchObject({ state: 'rotated', rotatedTo: fresh.id });
    const rev = run(['tokens', 'revoke', fresh.id as string, '--db', db]);
    expect(rev.status).toBe(0);
    expect(rev.stdout).toMatch(/0 trace records marked suspect, 0 claims put back/);
    expect(run(['tokens', 'revoke', fresh.id as string, '--db', db]).status).toBe(1);
  });

  it('requeues a failed program, and only that', () => {
    const l = run(['programs', 'list', '--status', 'failed', '--db', db]);
    expect(l.stdout).toContain(failed);
    expect(l.stdout).toContain('NtTrace missing');
    const r = run(['programs', 'requeue', failed, '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/requeued/);
    const q = run(['programs', 'list', '--status', 'queued', '--json', '--db', db]);
    expect(JSON.parse(q.stdout.trim())).toMatchObject({ sha256: failed, status: 'queued', attempts: 0, error: null });
    const again = run(['programs', 'requeue', failed, '--db', db]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is queued/);
    expect(run(['programs', 'requeue', 'nope', '--db', db]).status).toBe(2);
    expect(run(['programs', 'list', '--status', 'lost', '--db', db]).status).toBe(2);
  });
});
