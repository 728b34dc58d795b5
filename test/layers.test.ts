/**
 * Imports go one way (docs/architecture.md, "Layers"): dependency-cruiser, with the rules
 * of `.dependency-cruiser.cjs`, finds no import cycle and no import of a higher layer in
 * `src/`; every folder of `src/` has its place in the layer list; and the check does catch
 * a cycle and an upward import planted in a scratch copy of the layout.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './shared.js';
import { scratchDir } from './tmp.js';

const configPath = join(projectRoot, '.dependency-cruiser.cjs');
const { LAYERS, TEMPORARY_ALLOWED } = createRequire(import.meta.url)(configPath) as { LAYERS: string[]; TEMPORARY_ALLOWED: string[] };

/** The cruise of `src/` under `baseDir` with the project's rules, as `npx depcruise src` runs it. */
async function cruiseSrc(baseDir: string): Promise<ICruiseResult> {
  const options: ICruiseOptions = await extractDepcruiseOptions(configPath);
  const tsConfigPath = join(projectRoot, 'tsconfig.json');
  const cruiseOptions: ICruiseOptions = { ...options, tsConfig: { fileName: tsConfigPath }, baseDir, validate: true, outputType: 'json' };
  const result = await cruise(['src'], cruiseOptions, {}, { tsConfig: extractTSConfig(tsConfigPath) });
  return JSON.parse(result.output as string) as ICruiseResult;
}

/** One line per violation: rule, then the import (or the cycle). */
function describeViolations(r: ICruiseResult): string[] {
  return r.summary.violations.map(
    (v) => `${v.rule.name}: ${v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(' -> ') : `${v.from} -> ${v.to}`}`,
  );
}

describe('layers (.dependency-cruiser.cjs)', () => {
  it('src/ has no import cycle and no import of a higher layer', async () => {
    const r = await cruiseSrc(projectRoot);
    expect(r.summary.totalCruised).toBeGreaterThan(150); // the sources were found and read
    expect(r.summary.totalDependenciesCruised).toBeGreaterThan(500);
    expect(describeViolations(r)).toEqual([]);
  }, 120_000);

  it('every folder of src/ is in the layer list, and each layer once', () => {
    const folders = readdirSync(join(projectRoot, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(new Set(LAYERS).size).toBe(LAYERS.length);
    expect([...LAYERS].sort()).toEqual(folders);
    expect(LAYERS.slice(0, 3)).toEqual(['stats', 'tokenize', 'tfidf']);
    expect(LAYERS.at(-1)).toBe('cli');
    // The temporary allow-list names files, not folders or everything.
    for (const entry of TEMPORARY_ALLOWED) expect(entry).toMatch(/^\^src\/[a-z]+\/[a-z-]+\\\.ts\$$/);
  });

  it('fails on a planted cycle and on a planted upward import', async () => {
    const dir = scratchDir('ntmd-layers-');
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    // tfidf -> api is upward; api -> tfidf back closes a cycle. stats -> tokenize is upward
    // too. api -> model and the test file's import of cli are allowed.
    write('src/tfidf/vectorizer.ts', "import { train } from '../api/train.js';\nexport const vectorize = (): number => train() + 1;\n");
    write(
      'src/api/train.ts',
      "import type { Model } from '../model/model.js';\nimport { vectorize } from '../tfidf/vectorizer.js';\nexport const train = (): number => 1;\nexport const fit = (m?: Model): number => (m ? 0 : vectorize());\n",
    );
    write('src/model/model.ts', 'export interface Model { readonly name: string }\n');
    write('src/stats/random.ts', "export { read } from '../tokenize/read.js';\n");
    write('src/tokenize/read.ts', 'export const read = (): number => 2;\n');
    write('src/cli/main.ts', "import { train } from '../api/train.js';\nexport const main = (): number => train();\n");
    write('src/api/train.test.ts', "import { main } from '../cli/main.js';\nexport const t = main();\n");
    const r = await cruiseSrc(dir);
    expect(r.summary.totalCruised).toBe(7);
    expect(describeViolations(r).sort()).toEqual([
      'layer-stats: src/stats/random.ts -> src/tokenize/read.ts',
      'layer-tfidf: src/tfidf/vectorizer.ts -> src/api/train.ts',
      'no-circular: src/api/train.ts -> src/tfidf/vectorizer.ts -> src/api/train.ts',
    ]);
  }, 120_000);
});
