/**
 * Outside services some tests need (a PostgreSQL server), found once per test file.
 *
 * A test that needs a missing service is reported as skipped, with the reason in its name
 * ("… (skipped: NTMD_DATABASE_URL is not set …)"), never left out silently. With
 * `NTMD_REQUIRE_SERVICES=1` (`.ci/run` sets it) a missing service is a failing test instead,
 * so a broken CI database cannot turn into skipped tests.
 */
import { describe, it } from 'vitest';
import pg from 'pg';

/** Whether a service can be used, and why not. */
export interface Service {
  /** Empty when the service is there; else why the tests that need it are skipped. */
  readonly skip: string;
}

/** True when `NTMD_REQUIRE_SERVICES` asks for every service (CI). */
export const servicesRequired = process.env.NTMD_REQUIRE_SERVICES === '1';

async function probePostgres(url: string | undefined): Promise<Service> {
  if (url === undefined || url === '') {
    return { skip: 'NTMD_DATABASE_URL is not set: no PostgreSQL server to test against (.ci/run sets one)' };
  }
  let where = 'NTMD_DATABASE_URL';
  try {
    const u = new URL(url);
    where = `${u.hostname || process.env.PGHOST || 'localhost'}:${u.port || process.env.PGPORT || '5432'}`;
  } catch {
    return { skip: 'NTMD_DATABASE_URL is not a URL' };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { skip: '' };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { skip: `PostgreSQL of NTMD_DATABASE_URL (${where}) not reachable: ${err.code ?? err.message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The PostgreSQL server of `NTMD_DATABASE_URL`. */
export const postgres: Service = await probePostgres(process.env.NTMD_DATABASE_URL);

/** `title`, with " (skipped: reason)" when `skip` is not empty. */
export function titled(title: string, skip: string): string {
  return skip === '' ? title : `${title} (skipped: ${skip})`;
}

/**
 * A `describe` that is skipped, with its reason in its name, when `skip` is not empty; under
 * `NTMD_REQUIRE_SERVICES=1` it is one failing test naming the missing service instead.
 */
export function describeUnless(skip: string, title: string, fn: () => void): void {
  if (skip !== '' && servicesRequired) {
    describe(title, () => {
      it(`needs a service that is missing (NTMD_REQUIRE_SERVICES=1): ${skip}`, () => {
        throw new Error(`required service missing: ${skip}`);
      });
    });
    return;
  }
  describe.skipIf(skip !== '')(titled(title, skip), fn);
}

/** As {@link describeUnless} for one test. */
export function itUnless(skip: string, title: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (skip !== '' && servicesRequired) {
    it(`${title}: needs a service that is missing (NTMD_REQUIRE_SERVICES=1)`, () => {
      throw new Error(`required service missing: ${skip}`);
    });
    return;
  }
  it.skipIf(skip !== '')(titled(title, skip), fn, timeout);
}

type BackendName = 'pglite' | 'postgres';

/** Why a store back-end cannot be tested here ('' when it can). */
export function backendSkip(name: BackendName): string {
  return name === 'postgres' ? postgres.skip : '';
}

/**
 * `describe.each` over store back-ends (names or `{ name }` objects): one describe per
 * back-end, `$name` / `%s` in the title replaced by its name; a back-end whose service is
 * missing is reported as skipped with the reason (see {@link describeUnless}).
 */
export function describeEachBackend<T extends BackendName | { readonly name: BackendName }>(
  items: readonly T[],
  title: string,
  fn: (item: T) => void,
): void {
  for (const item of items) {
    const it: BackendName | { readonly name: BackendName } = item;
    const name = typeof it === 'string' ? it : it.name;
    describeUnless(backendSkip(name), title.replace(/\$name|%s/, name), () => fn(item));
  }
}
