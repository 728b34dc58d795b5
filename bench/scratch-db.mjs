// A throw-away PostgreSQL database for a benchmark run (bench/server.mjs, bench/hostile-bodies.mjs).
import { randomBytes } from 'node:crypto';

/**
 * Creates database `<prefix>_<random>` on the server of `url` with the given `pg` module, and
 * returns its URL and a function that drops it (with the connections still open on it).
 */
export async function scratchDatabase(pg, url, prefix) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { db: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
