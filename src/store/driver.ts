/**
 * The two database back-ends of the trace store, behind one small interface so that the
 * store runs the same SQL on both:
 *
 * - **PGlite** (`@electric-sql/pglite`): PostgreSQL compiled to WebAssembly, in-process,
 *   persisted to a folder. One process owns a folder at a time (the lock of `lock.ts`).
 * - **PostgreSQL** through `pg`: a connection pool to a server, for several processes.
 *
 * Both drivers are optional peer dependencies, loaded only when a store is opened; a
 * missing one is a {@link StoreDriverMissingError}.
 */
import { join } from 'node:path';
import { StoreDriverMissingError } from './errors.js';
import { lockFolder } from './lock.js';

export { lockFolder } from './lock.js';

/** Something SQL can be sent to: the driver itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$1..$n` parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A connected database. */
export interface SqlDriver extends Queryable {
  /** Which back-end this is. */
  readonly kind: 'pglite' | 'postgres';
  /** The store folder, or the connection string without its password. */
  readonly location: string;
  /** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
  /** Closes connections (and releases the folder lock of an embedded store). */
  close(): Promise<void>;
}

/** Whether a `--db` value names a PostgreSQL server rather than a folder. */
export function isConnectionString(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** A connection string with its password replaced by `***`, fit for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

async function importOptional<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new StoreDriverMissingError(name, purpose, e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL through pg

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  release(err?: Error | boolean): void;
}
interface PgPool {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): unknown;
}
interface PgModule {
  default: { Pool: new (config: { connectionString: string; max?: number; application_name?: string }) => PgPool };
}

function toPgParams(params: readonly unknown[] | undefined): unknown[] | undefined {
  if (!params) return undefined;
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
}

/** Connects to a PostgreSQL server through a `pg` pool. */
export async function openPostgres(url: string, poolSize = 4): Promise<SqlDriver> {
  const pg = await importOptional<PgModule>('pg', 'PostgreSQL stores (--db postgres://...)');
  const pool = new pg.default.Pool({ connectionString: url, max: poolSize, application_name: 'ntmaldetect' });
  // An idle client losing its server connection must not crash the process.
  pool.on('error', () => undefined);
  // Fail now, with the server's message, rather than at the first query.
  const probe = await pool.connect().catch(async (e: Error) => {
    await pool.end().catch(() => undefined);
    throw e;
  });
  probe.release();
  return {
    kind: 'postgres',
    location: redactUrl(url),
    async query<T>(sql: string, params?: readonly unknown[]) {
      return (await pool.query(sql, toPgParams(params))).rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      const tx: Queryable = {
        async query<R>(sql: string, params?: readonly unknown[]) {
          return (await client.query(sql, toPgParams(params))).rows as R[];
        },
      };
      try {
        await client.query('BEGIN');
        const out = await fn(tx);
        await client.query('COMMIT');
        client.release();
        return out;
      } catch (e) {
        let broken = false;
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        client.release(broken);
        throw e;
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}

// ---------------------------------------------------------------------------------------
// PGlite, embedded

interface PGliteInstance {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: { query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
interface PGliteModule {
  PGlite: { create(dataDir?: string): Promise<PGliteInstance> };
}

/**
 * Opens (creating if needed) an embedded store in `dir`: the database lives in `dir/pgdata`,
 * the owner lock in `dir/lock.N` (see `lock.ts`). `dir` `memory://` gives a throw-away in-memory store.
 */
export async function openPglite(dir: string): Promise<SqlDriver> {
  const memory = dir === 'memory://';
  // Lock first: a second process fails at once, before loading the WebAssembly module.
  const release = memory ? () => undefined : lockFolder(dir);
  let db: PGliteInstance;
  try {
    const mod = await importOptional<PGliteModule>('@electric-sql/pglite', 'embedded stores');
    db = await mod.PGlite.create(memory ? undefined : join(dir, 'pgdata'));
  } catch (e) {
    release();
    throw e;
  }
  // PGlite runs one statement at a time; queue them so interleaved callers never overlap.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    kind: 'pglite',
    location: dir,
    query<T>(sql: string, params?: readonly unknown[]) {
      return serial(async () => (await db.query<T>(sql, params as unknown[])).rows);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return serial(() =>
        db.transaction(async (t) =>
          fn({
            async query<R>(sql: string, params?: readonly unknown[]) {
              return (await t.query<R>(sql, params as unknown[])).rows;
            },
          }),
        ),
      );
    },
    exec(sql: string) {
      return serial(async () => {
        await db.exec(sql);
      });
    },
    async close() {
      try {
        await serial(() => db.close());
      } finally {
        release();
      }
    },
  };
}

/** Error codes of a database that cannot be reached or went away (Node's and PostgreSQL's). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGES =
  /connection terminated|terminating connection|connection error|Connection closed|cannot use a pool after calling end|PGlite is closed|database is closed|the database system is (starting up|shutting down)/i;

/**
 * Whether `e` (or its cause) means the database is unreachable or went away, rather than
 * a bad query: a refused or broken connection, a server shutting down or restarting, or an
 * embedded store that was closed. Callers answer such errors "unavailable, retry later".
 */
export function isConnectionError(e: unknown): boolean {
  for (let err = e, depth = 0; err !== undefined && err !== null && depth < 4; depth++) {
    const x = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === 'string' && UNAVAILABLE_CODES.has(x.code)) return true;
    if (typeof x.message === 'string' && UNAVAILABLE_MESSAGES.test(x.message)) return true;
    if (Array.isArray(x.errors) && x.errors.some((inner) => isConnectionError(inner))) return true; // AggregateError (IPv4 + IPv6 refused)
    err = x.cause;
  }
  return false;
}
