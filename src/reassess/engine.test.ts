/**
 * The re-assessment engine on real stores (PGlite always, PostgreSQL when
 * NTMD_DATABASE_URL is set): promotion when added traces make a better model possible, no
 * promotion on random-label noise, a run stopped part-way changes nothing, concurrent runs
 * serialise. Small synthetic corpora keep the CPU time modest.
 */
import { afterAll, expect, test } from 'vitest';
import { openStore } from '../store/store.js';
import type { Store } from '../store/store.js';
import type { ImportItem } from '../store/sources.js';
import { reassess, listRuns } from './engine.js';
import { ModelRegistry } from './registry.js';
import { ReassessAbortedError, ReassessBusyError } from './errors.js';
import { backends, removeScratch, syntheticItems } from './test-helpers/corpus.js';
import { describeEachBackend } from '../../test/services.js';

afterAll(removeScratch);

const OPTS = { traces: 400, seed: 3, maxLength: 60 };

/** A first corpus skewed towards malicious traces (few benign), and the rest of the traces. */
function twoParts(): { first: ImportItem[]; rest: ImportItem[] } {
  const all = syntheticItems('s', OPTS);
  let benign = 0;
  const first = all.filter((it, i) => (it.label === 1 ? i % 3 === 0 : benign++ % 12 === 0));
  const rest = all.filter((it) => !first.includes(it));
  return { first, rest };
}

async function withStore(db: string, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore({ db, env: {} });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

describeEachBackend(backends, 'reassess on $name', (backend) => {
  test('adding traces that make a better model possible leads to promotion; random-label noise does not', async () => {
    const fresh = await backend.fresh();
    try {
      await withStore(fresh.db, async (store) => {
        const { first, rest } = twoParts();
        await store.import(first);
        const r1 = await reassess(store, { candidates: 'svc-5gram', trigger: 'test' });
        expect(r1.status).toBe('promoted');
        expect(r1.reason).toMatch(/^no production model yet/);
        expect(r1.productionBefore).toBeNull();
        const registry = await ModelRegistry.open(store);
        expect((await registry.production())?.modelId).toBe(r1.productionAfter);

        // Nothing new: skipped, production unchanged.
        const r2 = await reassess(store, { candidates: 'production' });
        expect(r2.status).toBe('skipped');
        expect(r2.newTraces).toBe(0);

        // The benign traces the first model lacked: its recipe over-flags; retraining fixes it.
        await store.import(rest);
        const r3 = await reassess(store, { candidates: 'production' });
        expect(r3.newTraces).toBe(rest.length);
        expect(r3.status).toBe('promoted');
        const cand = r3.candidates[0];
        expect(cand.rule!.passes).toBe(true);
        expect(cand.rule!.test.pValue).toBeLessThan(0.05);
        expect(cand.mean.accuracy).toBeGreaterThan(r3.current!.mean.accuracy);
        expect(cand.fpr).toBeLessThanOrEqual(r3.current!.fpr);
        expect(r3.current!.perFold).toHaveLength(5);
        expect(r3.productionBefore).toBe(r1.productionAfter);
        expect((await registry.production())?.modelId).toBe(r3.productionAfter);
        const promoted = await store.getModel(r3.productionAfter!);
        expect(promoted.snapshotId).toBe(r3.snapshotId);

        // Traces whose labels are coin flips: no candidate may replace the model.
        await store.import(syntheticItems('noise', { ...OPTS, seed: 9, traces: 200, randomLabels: true }));
        const r4 = await reassess(store, { candidates: 'production,svc-5gram,default' });
        expect(r4.status).toBe('kept');
        expect(r4.candidates.every((c) => !c.rule!.passes)).toBe(true);
        expect(r4.reason).toMatch(new RegExp(`^production model ${r3.productionAfter} kept`));
        expect((await registry.production())?.modelId).toBe(r3.productionAfter);

        // Everything is recorded: runs, decisions, per-fold evaluations.
        const runs = await listRuns(store);
        expect(runs.map((r) => r.status)).toEqual(['kept', 'promoted', 'skipped', 'promoted']);
        expect(runs[0].reason).toBe(r4.reason);
        expect((runs[0].results as { candidates: unknown[] }).candidates).toHaveLength(2);
        const evals = (await store.listEvaluations()).filter(
          (e) => e.kind === 'reassess' && (e.config as { run: number }).run === r4.runId,
        );
        // svc-5gram is the production configuration: evaluated once, as 'production'.
        expect(evals.map((e) => (e.config as { model: string }).model)).toEqual(['current', 'production', 'default']);
        expect((evals[0].metrics as { perFold: unknown[] }).perFold).toHaveLength(5);
      });
    } finally {
      await fresh.cleanup();
    }
  }, 300_000);

  test('a run stopped part-way changes nothing; the next run proceeds', async () => {
    const fresh = await backend.fresh();
    try {
      await withStore(fresh.db, async (store) => {
        const { first, rest } = twoParts();
        await store.import(first);
        const r1 = await reassess(store, { candidates: 'svc-5gram', folds: 3 });
        await store.import(rest);
        const modelsBefore = (await store.listModels()).length;
        const abort = new AbortController();
        await expect(
          reassess(store, {
            candidates: 'production',
            folds: 3,
            signal: abort.signal,
            onProgress: (e) => {
              if (e.stage === 'fit' && e.done === 3) abort.abort();
            },
          }),
        ).rejects.toBeInstanceOf(ReassessAbortedError);
        const registry = await ModelRegistry.open(store);
        expect((await registry.production())?.modelId).toBe(r1.productionAfter);
        expect(await store.listModels()).toHaveLength(modelsBefore);
        const [failed] = await listRuns(store, 1);
        expect(failed.status).toBe('failed');
        expect(failed.error).toMatch(/REASSESS_ABORTED|aborted/);

        // A run whose process died (row left 'running') is marked abandoned by the next run.
        await store.driver.query(`INSERT INTO ntmd_reassess_runs (status, trigger) VALUES ('running', 'killed')`);
        const r3 = await reassess(store, { candidates: 'production' });
        expect(r3.status).toBe('promoted');
        const runs = await listRuns(store);
        expect(runs.find((r) => r.trigger === 'killed')?.status).toBe('abandoned');
      });
    } finally {
      await fresh.cleanup();
    }
  }, 300_000);

  test('two concurrent runs serialise', async () => {
    const fresh = await backend.fresh();
    try {
      // PostgreSQL: two independent connections (as two processes); PGlite: one owner.
      const a = await openStore({ db: fresh.db, env: {} });
      const b = backend.name === 'postgres' ? await openStore({ db: fresh.db, env: {} }) : a;
      try {
        await a.import(twoParts().first);
        await ModelRegistry.open(a); // tables exist before the race
        const waited: string[] = [];
        const [x, y] = await Promise.all([
          reassess(a, { candidates: 'svc-5gram', folds: 3, onProgress: (e) => e.stage === 'lock' && waited.push('x') }),
          reassess(b, { candidates: 'svc-5gram', folds: 3, onProgress: (e) => e.stage === 'lock' && waited.push('y') }),
        ]);
        expect(waited).toHaveLength(1);
        expect([x.status, y.status].sort()).toEqual(['promoted', 'skipped']);
        const runs = (await listRuns(a)).reverse();
        expect(runs).toHaveLength(2);
        // The second run took the lock only after the first had finished.
        expect(runs[1].lockedAt!.getTime()).toBeGreaterThanOrEqual(runs[0].finishedAt!.getTime());
        // Not waiting is an error while a run holds the lock.
        await a.import(twoParts().rest.slice(0, 40));
        let holding!: () => void;
        const locked = new Promise<void>((r) => (holding = r));
        const slow = reassess(a, { candidates: 'svc-5gram', folds: 3, onProgress: (e) => e.stage === 'load' && holding() });
        await locked; // the first run holds the lock now
        await expect(reassess(b, { candidates: 'svc-5gram', folds: 3, wait: false })).rejects.toBeInstanceOf(ReassessBusyError);
        expect((await slow).status).not.toBe('skipped');
      } finally {
        if (b !== a) await b.close();
        await a.close();
      }
    } finally {
      await fresh.cleanup();
    }
  }, 300_000);
});
