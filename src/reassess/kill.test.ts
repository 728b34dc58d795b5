/**
 * A re-assessment process killed (SIGKILL) part-way leaves the production model and the
 * stored models unchanged; the next run marks the killed run abandoned and proceeds.
 * Spawns the built CLI (`npm test` builds first).
 */
import { afterAll, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { openStore } from '../store/store.js';
import { builtCli, requireBuild } from '../store/test-helpers/backends.js';
import { reassess, listRuns } from './engine.js';
import { ModelRegistry } from './registry.js';
import { backends, removeScratch, syntheticItems } from './test-helpers/corpus.js';
import { describeEachBackend } from '../../test/services.js';

afterAll(removeScratch);

/** Runs `reassess --once` in a child process and kills it once it is fitting folds. */
function killMidway(db: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [builtCli, 'reassess', '--once', '--db', db, '--candidates', 'production,svc-5gram', '--folds', '5', '--progress'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NTMD_DATABASE_URL: '' },
      },
    );
    let err = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (!killed && /reassess: folds \d+\/\d+/.test(err)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(err) : reject(new Error(`reassess exited (${code}) before it was killed:\n${err}`)),
    );
  });
}

describeEachBackend(backends, 'killed run on $name', (backend) => {
  test('a run killed mid-way changes nothing', async () => {
    requireBuild();
    const fresh = await backend.fresh();
    try {
      const items = syntheticItems('s', { traces: 300, seed: 3, maxLength: 60 });
      let store = await openStore({ db: fresh.db, env: {} });
      await store.import(items.filter((_, i) => i % 2 === 0));
      const first = await reassess(store, { candidates: 'svc-5gram', folds: 3 });
      await store.import(items.filter((_, i) => i % 2 === 1));
      const models = await store.listModels();
      await store.close();

      const stderr = await killMidway(fresh.db);
      expect(stderr).toMatch(/reassess: folds \d+\/\d+/);

      store = await openStore({ db: fresh.db, env: {} });
      try {
        const registry = await ModelRegistry.open(store);
        expect((await registry.production())?.modelId).toBe(first.productionAfter);
        expect(await store.listModels()).toEqual(models);
        const [killed] = await listRuns(store, 1);
        expect(killed.status).toBe('running');
        expect(killed.trigger).toBe('once');
        const next = await reassess(store, { candidates: 'svc-5gram', folds: 3, minNew: 0 });
        expect(['promoted', 'kept']).toContain(next.status);
        const runs = await listRuns(store);
        expect(runs.find((r) => r.id === killed.id)?.status).toBe('abandoned');
      } finally {
        await store.close();
      }
    } finally {
      await fresh.cleanup();
    }
  }, 300_000);
});
