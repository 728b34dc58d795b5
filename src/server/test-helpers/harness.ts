/**
 * Shared pieces of the server's tests: databases (PGlite always, PostgreSQL when
 * NTMD_DATABASE_URL is set, each test file on a fresh database), a real model, corpus
 * traces, and an HTTP helper. Not part of the build.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { corpusDir, projectRoot, requireShared } from '../../../test/shared.js';
import { train } from '../../api/train.js';
import { loadModel } from '../../model/model.js';
import { ModelDetector } from '../detector.js';
import { scratchDir } from '../../../test/tmp.js';

export { corpusDir, projectRoot };

/** The built CLI (tests of child processes need `npm run build` first; `npm test` does it). */
export const CLI = resolve(projectRoot, 'dist', 'bin', 'main.js');
export const FAKE_NTTRACE = resolve(projectRoot, 'fixtures', 'fake-nttrace.mjs');

export function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
}

/** A scratch folder removed after the test file (see test/tmp.ts). */
export function tempDir(prefix = 'ntmd-server-'): string {
  return scratchDir(prefix);
}

/** A database for one test file. */
export interface TestDb {
  kind: 'pglite' | 'postgres';
  db: string;
  drop(): Promise<void>;
}

/** PGlite in a fresh folder. */
export function pgliteDb(): TestDb {
  const dir = tempDir('ntmd-server-db-');
  return { kind: 'pglite', db: dir, drop: () => Promise.resolve() };
}

/** A fresh database on the PostgreSQL server of NTMD_DATABASE_URL (dropped by `drop`). */
export async function postgresDb(): Promise<TestDb> {
  const base = process.env.NTMD_DATABASE_URL!;
  const pg = (await import('pg')).default;
  const name = `ntmd_server_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    db: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The back-ends to run on: PGlite, and PostgreSQL when NTMD_DATABASE_URL is set and reachable
 * (describe them with `describeEachBackend` from test/services.ts, which reports PostgreSQL as
 * skipped, with the reason, when it is not).
 */
export const BACKENDS: readonly ('pglite' | 'postgres')[] = ['pglite', 'postgres'];

export function openTestDb(kind: 'pglite' | 'postgres'): Promise<TestDb> {
  return kind === 'pglite' ? Promise.resolve(pgliteDb()) : postgresDb();
}

/** Corpus files by label, sorted by name. */
export function corpusFiles(label: 'sysBEN' | 'sysMAL'): string[] {
  requireShared();
  const dir = join(corpusDir, label);
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).size > 0);
}

export const RAW_LOG = join(corpusDir, 'raw', 'benign', 'LOG_ARP.EXE.txt');
/** The reduced file of the same program as {@link RAW_LOG}. */
export const REDUCED_OF_RAW = join(corpusDir, 'sysBEN', 'LOG_ARP.EXE.txt');

export function read(path: string): Buffer {
  return readFileSync(path);
}

let detector: Promise<ModelDetector> | undefined;
/**
 * A real model, trained here (preset ntmaldetect-2018) on 12 benign and 12 malicious corpus
 * traces and read back from its bytes: the tests do not depend on the state of the
 * shipped models/default.ntmd.
 */
export function testDetector(): Promise<ModelDetector> {
  detector ??= (async () => {
    const model = await train(
      { benign: corpusFiles('sysBEN').slice(0, 12), malicious: corpusFiles('sysMAL').slice(0, 12) },
      { preset: 'ntmaldetect-2018' },
    );
    return new ModelDetector(await loadModel(model.toBytes()), { name: 'test.ntmd', source: 'file' });
  })();
  return detector;
}

/** A `.ntmd` file of {@link testDetector}'s model, for `serve --model`. */
export async function testModelPath(): Promise<string> {
  const d = await testDetector();
  const path = join(tempDir('ntmd-server-model-'), 'test.ntmd');
  writeFileSync(path, d.loaded.toBytes());
  return path;
}

/** A response: status, headers, parsed JSON (or undefined) and raw bytes. */
export interface Res {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes: Buffer;
}

/** One HTTP request with fetch. */
export async function http(
  base: string,
  method: string,
  path: string,
  init: { token?: string; body?: Uint8Array | string; type?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = init.type ?? 'text/plain';
  const res = await fetch(base + path, { method, headers, body: init.body });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  const ct = res.headers.get('content-type') ?? '';
  if (ct.includes('json') && bytes.length) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, headers: res.headers, json, bytes };
}
