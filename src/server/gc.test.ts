/**
 * `serve`'s garbage-collector setting (src/server/gc.ts) in a child process (the flag is
 * process-wide): the young generation keeps its size under an allocation pattern that
 * makes it grow otherwise, also when set again after a worker thread started (creating one
 * resets V8's flags, which is why `serve` sets it twice).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot, requireBuilt } from './test-helpers/harness.js';

function youngGenerationSizes(mode: 'none' | 'tuned' | 'tuned-then-worker' | 'worker-then-tuned'): number[] {
  const gc = pathToFileURL(resolve(projectRoot, 'dist', 'server', 'gc.js')).href;
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { tuneServerGc } from ${JSON.stringify(gc)};
    const mode = ${JSON.stringify(mode)};
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const worker = async () => { const w = new Worker('0', { eval: true }); await new Promise((r) => w.once('exit', r)); };
    if (mode === 'tuned' || mode === 'tuned-then-worker') tuneServerGc();
    if (mode !== 'none' && mode !== 'tuned') await worker();
    if (mode === 'worker-then-tuned') tuneServerGc();
    const sizes = [size()];
    const keep = [];
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 20000; i++) keep.push({ i, a: [i] });
      if (keep.length > 400000) keep.splice(0, 200000);
      sizes.push(size());
      await new Promise((r) => setImmediate(r));
    }
    console.log(JSON.stringify(sizes));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as number[];
}

describe('tuneServerGc', () => {
  it('keeps the young generation at its size; a worker thread started afterwards undoes it, so serve sets it again', () => {
    requireBuilt();
    // Left alone it reaches 16 or 32 MiB here; held, it stays at its first size (1-2 MiB).
    const grows = (sizes: number[]) => Math.max(...sizes) >= 8 * 1024 * 1024;
    expect(grows(youngGenerationSizes('none'))).toBe(true);
    expect(grows(youngGenerationSizes('tuned'))).toBe(false);
    expect(grows(youngGenerationSizes('tuned-then-worker'))).toBe(true);
    expect(grows(youngGenerationSizes('worker-then-tuned'))).toBe(false);
  }, 120_000);
});
