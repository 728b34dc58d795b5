/**
 * `import 'ntmaldetect'` must never load the store or its database drivers: a child process
 * records every module the loader resolves while importing the built entry point.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, requireBuild } from './test-helpers/backends.js';

beforeAll(() => requireBuild());

/** Imports `entry` in a fresh Node process (then runs `after`), returning every resolved module URL. */
function modulesLoaded(entry: string, after = ''): string[] {
  const hooks = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;
  const script = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (u) => seen.push(u));
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { port: port2 }, transferList: [port2] });
const mod = await import(${JSON.stringify(pathToFileURL(entry).href)});
${after}
await new Promise((r) => setTimeout(r, 200));
port1.close();
process.stdout.write(JSON.stringify(seen));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

const isStoreOrDriver = (u: string): boolean => /\/dist\/store\/|@electric-sql\/pglite|\/node_modules\/pg\/|\/node_modules\/pg-/.test(u);

describe('the core entry point does not load the store', () => {
  it("import 'ntmaldetect' (dist/index.js) resolves no store module, no PGlite and no pg", () => {
    const seen = modulesLoaded(join(projectRoot, 'dist', 'index.js'));
    // The probe records the entry and the core modules it pulls in ...
    expect(seen.some((u) => u.endsWith('/dist/index.js'))).toBe(true);
    expect(seen.some((u) => u.endsWith('/dist/tokenize/call-table.js'))).toBe(true);
    // ... and none of the store's.
    expect(seen.filter(isStoreOrDriver)).toEqual([]);
  });

  it('the probe does see them when the store is used (so the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntmd-isolation-'));
    try {
      const seen = modulesLoaded(
        join(projectRoot, 'dist', 'store', 'index.js'),
        `const s = await mod.openStore({ db: 'memory://', env: {} }); await s.close();`,
      );
      expect(seen.some((u) => u.includes('@electric-sql/pglite'))).toBe(true);
      // The store itself does not load pg unless a PostgreSQL store is opened.
      expect(seen.some((u) => u.includes('/node_modules/pg/'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
