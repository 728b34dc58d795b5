/**
 * `serve`'s garbage-collector setting (src/server/gc.ts): a process started with
 * SERVER_V8_FLAGS keeps its young generation at 2 MiB per semi-space under an allocation
 * pattern that makes it grow otherwise; the flags are recognised on the command line and in
 * NODE_OPTIONS. (serve's child process itself is tested in cli.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVER_V8_FLAGS, gcFlagsSetAtStart, gcSetting } from './gc.js';

function youngGenerationSizes(flags: readonly string[]): number[] {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const sizes = [size()];
    const keep = [];
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 20000; i++) keep.push({ i, a: [i] });
      if (keep.length > 400000) keep.splice(0, 200000);
      sizes.push(size());
      await new Promise((r) => setImmediate(r));
    }
    console.log(JSON.stringify(sizes));`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as number[];
}

describe('serve young generation', () => {
  it('stays at 2 MiB per semi-space with SERVER_V8_FLAGS; grows to 8 MiB or more without', () => {
    const without = youngGenerationSizes([]);
    expect(Math.max(...without)).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    // (V8's new_space reports one semi-space, 2 MiB, and 4 MiB while a scavenge holds both.)
    const held = youngGenerationSizes(SERVER_V8_FLAGS);
    expect(Math.max(...held)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(Math.min(...held)).toBe(2 * 1024 * 1024);
  }, 120_000);

  it('recognises the GC flags set on the command line or in NODE_OPTIONS, by serve or by the user', () => {
    expect(gcFlagsSetAtStart([], '')).toBe(false);
    expect(gcFlagsSetAtStart(['--inspect', '--max-old-space-size=100'], '--trace-gc')).toBe(false);
    expect(gcFlagsSetAtStart(SERVER_V8_FLAGS, '')).toBe(true);
    expect(gcFlagsSetAtStart([], '--enable-source-maps --max_semi_space_size=8')).toBe(true);
    expect(gcFlagsSetAtStart(['--min-semi-space-size', '4'], '')).toBe(true);
    expect(gcFlagsSetAtStart(['--heap_growing_percent=50'], '')).toBe(true);
    expect(gcSetting(['--max-old-space-size=100'], '')).toBe('V8 defaults');
    expect(gcSetting(SERVER_V8_FLAGS, '')).toBe('--max-semi-space-size=2 --min-semi-space-size=2 --heap-growing-percent=300');
    expect(gcSetting([], '--max-semi-space-size=8')).toBe('--max-semi-space-size=8');
  });
});
