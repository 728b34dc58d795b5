/**
 * The detection threads of `serve --threads N` (the built `dist/server/detect-pool.js`: the
 * threads run the compiled `detect-thread.js`): verdicts equal in-process ones, and a body
 * given up by the caller is moved to the thread instead of copied.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFiles, projectRoot, read, requireBuilt, testDetector } from './test-helpers/harness.js';
import type { DetectorPool } from './detect-pool.js';
import type { ModelDetector } from './detector.js';

describe('DetectorPool (built)', () => {
  let pool: DetectorPool;
  let detector: ModelDetector;

  beforeAll(async () => {
    requireBuilt();
    detector = await testDetector();
    const mod = (await import(
      pathToFileURL(resolve(projectRoot, 'dist', 'server', 'detect-pool.js')).href
    )) as typeof import('./detect-pool.js');
    pool = await mod.DetectorPool.create(detector.loaded.toBytes(), detector.model, 2);
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
  });

  const own = (b: Buffer): Buffer => {
    const out = Buffer.allocUnsafeSlow(b.length);
    b.copy(out);
    return out;
  };

  it('moves a consumed body that owns its ArrayBuffer to the thread, and copies any other', async () => {
    const file = read(corpusFiles('sysMAL')[2]);
    const expected = JSON.parse(JSON.stringify(detector.detect(file)));

    const moved = own(file);
    expect(await pool.detect(moved, { consume: true })).toEqual(expected);
    expect(moved.buffer.byteLength).toBe(0); // detached: its memory went to the thread

    const kept = own(file);
    expect(await pool.detect(kept)).toEqual(expected);
    expect(Buffer.compare(kept, file)).toBe(0);

    // A view into a larger buffer is never transferred, consume or not: the rest is not the body's.
    const big = Buffer.concat([Buffer.from('xx'), file, Buffer.from('yy')]);
    const view = big.subarray(2, 2 + file.length);
    expect(await pool.detect(view, { consume: true })).toEqual(expected);
    expect(big.subarray(0, 2).toString()).toBe('xx');
    expect(Buffer.compare(view, file)).toBe(0);
  });

  it('answers concurrent requests each with its own verdict, and rejects a body without calls', async () => {
    const files = corpusFiles('sysBEN').slice(0, 6).concat(corpusFiles('sysMAL').slice(0, 6)).map(read);
    const verdicts = await Promise.all(files.map((f) => pool.detect(own(f), { consume: true })));
    expect(verdicts).toEqual(files.map((f) => JSON.parse(JSON.stringify(detector.detect(f)))));
    await expect(pool.detect(own(Buffer.from('\n\n')), { consume: true })).rejects.toMatchObject({ code: 'EMPTY_TRACE', status: 422 });
  });
});
