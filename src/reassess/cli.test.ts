/**
 * `ntmaldetect reassess` and `ntmaldetect models` through the CLI frame (in process) on an
 * embedded store: usage errors, a run with its printed report, list/show/promote/rollback
 * and the run record.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '../store/store.js';
import { pgliteBackend, removeScratch, syntheticItems } from './test-helpers/corpus.js';
import { runCliCaptured } from '../../test/cli.js';

afterAll(removeScratch);

const run = (args: string[]) => runCliCaptured(args);

describe('reassess and models commands', () => {
  test('usage errors', async () => {
    expect((await run(['reassess', '--db', 'memory://'])).err).toMatch(/exactly one of --once and --schedule/);
    expect((await run(['reassess', '--once', '--schedule', '@daily'])).code).toBe(2);
    const bad = await run(['reassess', '--schedule', '61 * * * *', '--db', 'memory://']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/minute field: 61 is outside 0-59/);
    expect((await run(['models'])).err).toMatch(/needs a sub-command/);
    expect((await run(['models', 'promote'])).err).toMatch(/needs a model id/);
    expect((await run(['models', 'frob'])).err).toMatch(/unknown models sub-command/);
  });

  test('a run, its report and record; list, show, promote, rollback', async () => {
    const fresh = await pgliteBackend.fresh();
    try {
      const store = await openStore({ db: fresh.db, env: {} });
      await store.import(syntheticItems('s', { traces: 120, seed: 3, maxLength: 40 }));
      await store.close();
      const db = ['--db', fresh.db];

      const r1 = await run(['reassess', '--once', ...db, '--candidates', 'svc-5gram,sgd-sublinear', '--folds', '3']);
      expect(r1.code).toBe(0);
      expect(r1.err).toBe(''); // progress only on a terminal
      expect(r1.out).toMatch(/^run 1: 120 traces, 120 new or relabelled/);
      expect(r1.out).toMatch(/decision: promoted \(production model 1\): no production model yet/);

      const again = await run(['reassess', '--once', ...db, '--json']);
      const report = JSON.parse(again.out) as { status: string; newTraces: number };
      expect(report).toMatchObject({ status: 'skipped', newTraces: 0 });

      expect((await run(['models', 'rollback', ...db])).err).toMatch(/no earlier production model/);
      // A second version: the same store's model promoted by hand, then rolled back.
      const s2 = await openStore({ db: fresh.db, env: {} });
      const bytes = (await s2.getModel(1)).bytes!;
      await s2.saveModel({ name: 'hand-made', bytes });
      await s2.close();
      expect((await run(['models', 'promote', '2', ...db, '--reason', 'reviewed'])).out).toBe('model 2 is now the production model\n');
      const list = await run(['models', 'list', ...db]);
      expect(list.out).toMatch(/\*   2  hand-made/);
      expect(list.out).toMatch(/ {4}1  reassess-1-/);
      const show = JSON.parse((await run(['models', 'show', 'production', ...db, '--json'])).out) as {
        id: number;
        production: boolean;
        history: { reason: string }[];
      };
      expect(show).toMatchObject({ id: 2, production: true });
      expect(show.history[0].reason).toBe('reviewed');
      expect((await run(['models', 'rollback', ...db])).out).toBe('rolled back: model 1 is the production model again\n');
      const runs = await run(['models', 'runs', ...db]);
      expect(runs.out.split('\n')[0]).toMatch(/^run 2 .* skipped \(once; 120 traces, 0 new; production 1\)/);
      expect(runs.out).toMatch(/run 1 .* promoted \(once; 120 traces, 120 new; production - -> 1\)/);
      expect((await run(['models', 'show', '99', ...db])).code).toBe(2);
    } finally {
      await fresh.cleanup();
    }
  }, 300_000);
});
