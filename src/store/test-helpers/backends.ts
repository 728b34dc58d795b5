/**
 * The back-ends every store test runs on: embedded PGlite always, and a real PostgreSQL
 * server when `NTMD_DATABASE_URL` is set and reachable (`.ci/run` always sets it); else the
 * PostgreSQL tests are reported as skipped with the reason (test/services.ts). Each test gets a fresh,
 * empty store of its own.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openStore } from '../store.js';
import { scratchDir } from '../../../test/tmp.js';

/** A fresh database for one test. */
export interface FreshDb {
  /** What to pass as `--db` / `openStore({ db })`. */
  db: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  fresh(): Promise<FreshDb>;
}

// (Removed when the importing test file ends, see test/tmp.ts; removeScratch() earlier.)
const scratch = scratchDir('ntmd-store-test-');
let template: Promise<string> | undefined;
let counter = 0;

/** A migrated, empty PGlite store made once per test file and copied for each test (initdb is slow). */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = join(scratch, 'template');
    const s = await openStore({ db: dir, env: {} });
    await s.close();
    return dir;
  })();
  return template;
}

export const pgliteBackend: Backend = {
  name: 'pglite',
  async fresh() {
    const dir = join(scratch, `store-${++counter}`);
    cpSync(await pgliteTemplate(), dir, { recursive: true });
    return {
      db: dir,
      cleanup() {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  },
};

/** The server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

const serverUrl = process.env.NTMD_DATABASE_URL ?? '';

/**
 * The PostgreSQL server of `NTMD_DATABASE_URL`. Always listed: test files describe it with
 * `describeEachBackend` (test/services.ts), which reports it as skipped, with the reason, when
 * no server is reachable.
 */
export const postgresBackend: Backend = {
  name: 'postgres',
  async fresh() {
    if (serverUrl === '') throw new Error('NTMD_DATABASE_URL is not set');
    const name = `ntmd_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      db: withDatabase(serverUrl, name),
      async cleanup() {
        const c = new pg.Client({ connectionString: serverUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  },
};

/** PGlite and PostgreSQL (describe them with `describeEachBackend` from test/services.ts). */
export const backends: Backend[] = [pgliteBackend, postgresBackend];

/** Removes the scratch folder (call from afterAll). */
export function removeScratch(): void {
  rmSync(scratch, { recursive: true, force: true });
}

/** The project root and its built CLI (tests that spawn processes need `npm run build` first). */
export const projectRoot = resolve(import.meta.dirname, '..', '..', '..');
export const builtCli = join(projectRoot, 'dist', 'bin', 'main.js');

/** Fails clearly when the build the process tests spawn is missing. */
export function requireBuild(): void {
  if (!existsSync(builtCli) || !existsSync(join(projectRoot, 'dist', 'store', 'index.js'))) {
    throw new Error(`${builtCli} or dist/store is missing: run 'npm run build' first (npm test does)`);
  }
}

export { scratch };
