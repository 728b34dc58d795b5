/**
 * The store's connection: which database a store uses (a PostgreSQL server, a PGlite folder
 * or `memory://`), opening it through the drivers of `driver.ts`, and bringing its schema to
 * the current version with the migrations of `schema.ts`. The other parts of the store are
 * plain functions that take the open connection.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SqlDriver } from './driver.js';
import { isConnectionString, openPglite, openPostgres } from './driver.js';
import { migrate } from './schema.js';

/** How to open a store. */
export interface OpenStoreOptions {
  /**
   * A PostgreSQL connection string (`postgres://user:pass@host/db`), a folder for an
   * embedded PGlite store, or `memory://` for a throw-away embedded store. Default:
   * `$NTMD_DATABASE_URL`, else the folder {@link defaultStorePath}.
   */
  db?: string;
  /** Environment to read `NTMD_DATABASE_URL`/`XDG_DATA_HOME` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Connections in the PostgreSQL pool (default 4). */
  poolSize?: number;
  /**
   * Further schema migrations, run on the same connection after the store's own, before the
   * store is returned (for parts that keep tables of their own on the store's database, as
   * the HTTP server does). A failure closes the connection and rejects.
   */
  migrations?: ReadonlyArray<(driver: SqlDriver) => Promise<unknown>>;
}

/**
 * The default folder of the embedded store: `$XDG_DATA_HOME/ntmaldetect/store`, or
 * `~/.local/share/ntmaldetect/store`.
 */
export function defaultStorePath(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(env.HOME ?? homedir(), '.local', 'share');
  return join(base, 'ntmaldetect', 'store');
}

/** Which database `openStore` would use for these options (without opening it). */
export function resolveDb(options: OpenStoreOptions = {}): string {
  const env = options.env ?? process.env;
  if (options.db !== undefined && options.db !== '') return options.db;
  const url = env.NTMD_DATABASE_URL;
  if (url !== undefined && url !== '') return url;
  return defaultStorePath(env);
}

/**
 * Connects to the database `options` names and migrates it: the store's schema first, then
 * `options.migrations`. A failing migration closes the connection and rejects.
 */
export async function connect(options: OpenStoreOptions = {}): Promise<SqlDriver> {
  const db = resolveDb(options);
  const driver = isConnectionString(db) ? await openPostgres(db, options.poolSize) : await openPglite(db);
  try {
    await migrate(driver);
    for (const m of options.migrations ?? []) await m(driver);
  } catch (e) {
    await driver.close();
    throw e;
  }
  return driver;
}

/** A bigint column as a JavaScript number (ids and byte counts stay far below 2^53). */
export const num = (v: unknown): number => Number(v);
