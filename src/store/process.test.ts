/**
 * The store across processes, with the built CLI: one owner per embedded store, an import
 * killed with SIGKILL mid-way leaves a consistent store that a re-run completes, and (on
 * PostgreSQL) eight concurrent importers of overlapping sets end with exactly the distinct
 * traces.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { openStore } from './index.js';
import { backends, builtCli, postgresBackend, removeScratch, requireBuild, scratch } from './test-helpers/backends.js';
import { describeEachBackend, describeUnless, postgres } from '../../test/services.js';

requireShared();
// Each test starts several Node processes that open a database: generous on a busy machine.
vi.setConfig({ testTimeout: 600_000 });
beforeAll(() => requireBuild());
afterAll(() => removeScratch());

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `killOn` kills it with SIGKILL as soon as stderr contains that text. */
function cli(args: string[], killOn?: string): Promise<Run & { killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killOn !== undefined && !killed && stderr.includes(killOn)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, killed }));
  });
}

const corpusFiles = (['sysBEN', 'sysMAL'] as const).flatMap((d) => readdirSync(join(corpusDir, d)).map((n) => `${d}/${n}`));

async function expectWholeCorpus(db: string, label: string): Promise<void> {
  const store = await openStore({ db, env: {} });
  try {
    const st = await store.stats();
    expect(st.submissions, label).toBe(220);
    expect(st.traces, label).toBe(208);
    expect((await store.verify()).problems).toEqual([]);
    const out = join(scratch, `export-${label}`);
    expect((await store.export(out)).files).toBe(220);
    for (const rel of corpusFiles) expect(readFileSync(join(out, rel)).equals(readFileSync(join(corpusDir, rel))), rel).toBe(true);
  } finally {
    await store.close();
  }
}

describe('an embedded store has one owner at a time', () => {
  it('a second process gets a clear error while the first holds the store, and may open it after', async () => {
    const fresh = await backends[0].fresh();
    const store = await openStore({ db: fresh.db, env: {} });
    const second = await cli(['store', 'stats', '--db', fresh.db]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`is already open in process ${process.pid}`);
    expect(second.stderr).toContain('use PostgreSQL');
    await expect(openStore({ db: fresh.db, env: {} })).rejects.toMatchObject({ code: 'STORE_LOCKED', ownerPid: process.pid });
    await store.close();
    const after = await cli(['store', 'stats', '--db', fresh.db, '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ backend: 'pglite', submissions: 0, traces: 0 });
    await fresh.cleanup();
  });
});

describeEachBackend(backends, 'an import killed with SIGKILL on $name', (backend) => {
  it('leaves the store as it was before some batches and after others, never half a trace; a re-run completes it', async () => {
    const fresh = await backend.fresh();
    const killed = await cli(['store', 'import', corpusDir, '--db', fresh.db, '--batch', '3', '--progress'], 'progress ');
    expect(killed.killed).toBe(true);
    expect(killed.signal).toBe('SIGKILL');
    // Reopening takes over the lock of the dead process (embedded) and recovers the database.
    const store = await openStore({ db: fresh.db, env: {} });
    const st = await store.stats();
    const check = await store.verify();
    await store.close();
    expect(check.problems).toEqual([]);
    expect(st.submissions).toBeGreaterThan(0);
    expect(st.submissions).toBeLessThan(220);
    // Batches are whole: every submission stored so far came with its trace.
    expect(st.submissions - st.emptySubmissions - st.duplicateSubmissions).toBe(st.traces);
    const rerun = await cli(['store', 'import', corpusDir, '--db', fresh.db, '--json']);
    expect(rerun.code).toBe(0);
    const report = JSON.parse(rerun.stdout);
    expect(report.alreadyStored.length).toBe(st.submissions);
    expect(report.submissions).toBe(220 - st.submissions);
    await expectWholeCorpus(fresh.db, `killed-${backend.name}`);
    await fresh.cleanup();
  });
});

// PostgreSQL only (an embedded store has one owner by design): skipped, with the reason, without a server.
const server = postgresBackend;
describeUnless(postgres.skip, 'eight concurrent importers on PostgreSQL', () => {
  it('importing overlapping sets at once ends with exactly the distinct traces, none lost or doubled', async () => {
    const fresh = await server.fresh();
    // Initialise the schema from eight processes at once too.
    const inits = await Promise.all(Array.from({ length: 8 }, () => cli(['store', 'init', '--db', fresh.db])));
    expect(inits.map((r) => r.code)).toEqual(Array(8).fill(0));
    // Importer k takes the files i with i % 8 != k and i % 3 != k % 3: every file is in
    // several sets, and the union is the whole corpus.
    const dirs: string[] = [];
    for (let k = 0; k < 8; k++) {
      const root = join(scratch, `concurrent-${k}`);
      for (const d of ['sysBEN', 'sysMAL']) mkdirSync(join(root, d), { recursive: true });
      corpusFiles.forEach((rel, i) => {
        if (i % 8 !== k && i % 3 !== k % 3) symlinkSync(join(corpusDir, rel), join(root, rel));
      });
      dirs.push(root);
    }
    const runs = await Promise.all(
      dirs.map((d) => cli(['store', 'import', d, '--db', fresh.db, '--batch', '8', '--source', 'corpus', '--json'])),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const reports = runs.map((r) => JSON.parse(r.stdout));
    const newSubs = reports.reduce((s, r) => s + r.submissions, 0);
    const newTraces = reports.reduce((s, r) => s + r.traces, 0);
    expect(newSubs).toBe(220);
    expect(newTraces).toBe(208);
    await expectWholeCorpus(fresh.db, 'concurrent');
    await fresh.cleanup();
  });
});
