/**
 * Imports go one way (docs/architecture.md, "Layers"). dependency-cruiser checks it on
 * every `npm test` (test/layers.test.ts), or by hand:
 *
 *   npx depcruise src --config .dependency-cruiser.cjs
 *
 * A file may import its own folder, the root utilities, and the folders of lower layers,
 * never a higher one; no file is part of an import cycle (dynamic `import()` and
 * `import type` count too). Test files (`*.test.ts`) and test helpers (`test-helpers/`)
 * may import any layer, but production code may not import them.
 */

/** The folders of `src/`, lowest first. A folder may import only those before it. */
const LAYERS = [
  'stats', // seeded random numbers, fold assignment, metrics (used by the core and eval)
  'tokenize', // the trace reader
  'tfidf', // n-gram TF-IDF, CSR
  'classifiers', // naive Bayes, linear SVMs, SGD
  'ensemble', // voting policies, Platt calibration
  'model', // configuration, presets, the fitted pipeline, the .ntmd file, the auto selection
  'corpus', // labelled corpora and dataset layouts (next to model: reads its input-form type)
  'api', // detect, train, explain
  'eval', // bench: splits, cross-validation, reports; trainAuto
  'store', // the trace store
  'reassess', // re-assessment, model registry, hot swap (its detector interface)
  'runner', // running NtTrace and classifying live
  'server', // the HTTP API and the tracing worker (which drives the runner)
  'cli', // the ntmaldetect command
];

/**
 * Known upward imports, allowed until they are gone: regular expressions on the paths of
 * the importing files, each with a comment naming the file and why. Empty: the last two
 * (src/runner/cli.ts and src/server/cli-args.ts, which imported src/cli) moved into src/cli.
 */
const TEMPORARY_ALLOWED = [];

/** Test code: may import anything. */
const TEST = '(\\.test\\.ts$|/test-helpers/)';

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `${layer} may not import a higher layer (${LAYERS.slice(i + 1).join(', ')}): see docs/architecture.md, "Layers"`,
  severity: 'error',
  from: { path: `^src/${layer}/`, pathNot: [TEST, ...TEMPORARY_ALLOWED] },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycle among files (dynamic import() and import type count): break it by moving the shared part down',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { circular: true },
    },
    {
      name: 'root-utilities-import-no-folder',
      comment: 'src/*.ts (errors, atomic-write, fflate-lazy, hash...) are below every folder: they import none',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/[^/]+/' },
    },
    {
      name: 'package-entry-on-top',
      comment: 'src/index.ts (the package entry) is above everything: nothing in src imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'production code does not import tests or test helpers',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST },
      to: { path: TEST },
    },
    ...layerRules,
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    // `import type` counts: a type is an import of its module's design.
    tsPreCompilationDeps: true,
    // Resolves the `.js` specifiers of the TypeScript sources to their `.ts` files.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'] },
  },
};

// For test/layers.test.ts (not enumerable: dependency-cruiser's schema allows no other keys).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS });
Object.defineProperty(module.exports, 'TEMPORARY_ALLOWED', { value: TEMPORARY_ALLOWED });
