/**
 * `ntmaldetect store ...` end to end through the CLI frame (in process), on PGlite and
 * (when configured) PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { backends, removeScratch, scratch } from './test-helpers/backends.js';
import { runCliCaptured } from '../../test/cli.js';
import { describeEachBackend } from '../../test/services.js';

requireShared();
vi.setConfig({ testTimeout: 300_000 });
afterAll(() => removeScratch());

const run = (args: string[]) => runCliCaptured(args, scratch);

const ben = (n: string) => join(corpusDir, 'sysBEN', n);
const mal = (n: string) => join(corpusDir, 'sysMAL', n);

describeEachBackend(backends, 'ntmaldetect store on $name', (backend) => {
  it('init, import, stats, label, export, delete, retention, check', async () => {
    const fresh = await backend.fresh();
    const db = ['--db', fresh.db];
    try {
      const init = await run(['store', 'init', ...db]);
      expect(init.code).toBe(0);
      expect(init.out).toMatch(new RegExp(`store ready at .* \\(${backend.name}, schema version 2\\)`));

      const imp = await run([
        'store',
        'import',
        ...db,
        '--benign',
        ben('LOG_calc.exe.txt'),
        '--benign',
        ben('LOG_Languages.txt'),
        '--malicious',
        mal('LOG_Mh1.exe.txt'),
        '--malicious',
        mal('LOG_Mh2.exe.txt'),
        '--source',
        'lab',
        '--submitter',
        'alice',
      ]);
      expect(imp.code).toBe(0);
      expect(imp.out).toContain('new: 4 submissions, 2 distinct traces, 0 raw logs');
      expect(imp.out).toContain('duplicates of a stored trace: 1; already stored: 0');
      expect(imp.out).toContain('empty files (recorded, not traces): 1\n    sysBEN/LOG_Languages.txt');

      const stats = JSON.parse((await run(['store', 'stats', ...db, '--json'])).out);
      expect(stats).toMatchObject({
        submissions: 4,
        traces: 2,
        emptySubmissions: 1,
        duplicateSubmissions: 1,
        bySource: [{ source: 'lab', submissions: 4 }],
      });

      const relabel = await run(['store', 'label', 'LOG_calc.exe.txt', 'malicious', '--reason', 'test', ...db]);
      expect(relabel.out).toMatch(/^[0-9a-f]{12} \(LOG_calc\.exe\.txt\): benign -> malicious\n$/);
      const history = await run(['store', 'label', 'sysBEN/LOG_calc.exe.txt', ...db]);
      expect(
        history.out
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/).slice(2).join(' ')),
      ).toEqual(['benign import: lab: LOG_calc.exe.txt', 'malicious cli: test']);

      const out = join(scratch, `cli-export-${backend.name}`);
      const exp = await run(['store', 'export', out, '--label', 'malicious', ...db]);
      expect(exp.code).toBe(0);
      expect(exp.out).toMatch(/^exported 3 files/);
      expect(readFileSync(join(out, 'sysMAL', 'LOG_calc.exe.txt')).equals(readFileSync(ben('LOG_calc.exe.txt')))).toBe(true);
      expect((await run(['store', 'export', out, '--label', 'malicious', ...db])).err).toMatch(
        /already exists: export into an empty folder/,
      );

      expect((await run(['store', 'delete', 'LOG_Mh1.exe.txt', ...db])).out).toBe('deleted 0 traces, 1 submissions, 0 raw logs\n');
      expect((await run(['store', 'retention', '30', ...db])).out).toBe('raw logs kept 30 days\n');
      expect((await run(['store', 'retention', ...db])).out).toBe('raw logs kept 30 days\n');
      const check = await run(['store', 'check', ...db]);
      expect(check.code).toBe(0);
      expect(check.out).toBe('checked 2 traces and 3 submissions: no problem\n');
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('ntmaldetect store usage', () => {
  it('rejects usage mistakes before opening a store', async () => {
    const cases: [string[], RegExp][] = [
      [['store'], /give an action/],
      [['store', 'frobnicate'], /unknown action "frobnicate"/],
      [['store', 'import'], /give a FOLDER/],
      [['store', 'import', 'x', '--benign', 'y'], /not both/],
      [['store', 'stats', '--reason', 'x'], /--reason applies to store label only/],
      [['store', 'retention', 'soon'], /number of days or 'off', got "soon"/],
      [['store', 'export'], /give a folder/],
      [['store', 'import', 'x', '--batch', '0'], /--batch must be an integer >= 1/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(msg);
    }
  });
});
