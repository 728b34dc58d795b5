/**
 * The table of `ntmaldetect` commands: name, one-line summary, and a lazy `import()` of the
 * module that implements it (its default export is a {@link Command}).
 *
 * Each path is a string literal, so a bundler sees every command, and start-up imports only
 * the command that runs: `ntmaldetect --help` reads the summaries here and imports none.
 * To add a command: write `commands/<name>.ts` (default export a `Command` whose `name` is
 * `<name>`), add its entry below (alphabetical), and its section to docs/cli.md; tests check
 * that the table, the folder and the docs agree.
 */
import type { Command } from './command.js';

/** One row of {@link COMMANDS}. */
export interface CommandEntry {
  /** One line for `ntmaldetect --help`. */
  readonly summary: string;
  /** Imports the command's module. */
  readonly load: () => Promise<{ default: Command }>;
}

/** Every command, by name (the word after `ntmaldetect`), in alphabetical order. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  attach: {
    summary: 'attach NtTrace to a running process and classify its system calls (detaches on Ctrl+C)',
    load: () => import('./commands/attach.js'),
  },
  bench: {
    summary: 'cross-validate models on a labelled corpus (accuracy, ROC/PR AUC, TPR at low FPR, speed)',
    load: () => import('./commands/bench.js'),
  },
  explain: {
    summary: "show which n-grams of a trace drive each classifier's decision",
    load: () => import('./commands/explain.js'),
  },
  features: {
    summary: 'list the most informative n-grams of each classifier of a model',
    load: () => import('./commands/features.js'),
  },
  models: {
    summary: 'list, show, promote and roll back the store’s model versions; re-assessment runs',
    load: () => import('./commands/models.js'),
  },
  programs: {
    summary: 'list the programs submitted for tracing, or requeue failed ones',
    load: () => import('./commands/programs.js'),
  },
  reassess: {
    summary: 'retrain on the growing corpus; promote a model only when it measurably improves',
    load: () => import('./commands/reassess.js'),
  },
  reduce: {
    summary: 'print the call names of NtTrace logs, one per line (the corpus format)',
    load: () => import('./commands/reduce.js'),
  },
  run: {
    summary: 'run a program under NtTrace and classify its system calls while it runs',
    load: () => import('./commands/run.js'),
  },
  scan: {
    summary: 'judge trace files, folders or standard input with a model',
    load: () => import('./commands/scan.js'),
  },
  serve: {
    summary: 'serve the HTTP API (detect, contribute traces, submit programs)',
    load: () => import('./commands/serve.js'),
  },
  store: {
    summary: 'keep traces, labels, models in a PostgreSQL store (init|import|export|stats|label|delete)',
    load: () => import('./commands/store.js'),
  },
  tokens: {
    summary: 'create, list, revoke, bind, renew or rotate API tokens of the server',
    load: () => import('./commands/tokens.js'),
  },
  train: {
    summary: 'train a model on labelled traces and write it to a file',
    load: () => import('./commands/train.js'),
  },
  worker: {
    summary: 'trace programs queued on a server with NtTrace and post the traces back',
    load: () => import('./commands/worker.js'),
  },
};

/** The table entry of `name`, or `undefined` for an unknown command. */
export function commandEntry(name: string | undefined): CommandEntry | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}
