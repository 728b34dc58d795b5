/**
 * `scan` of the dataset layouts (`--format words|csv|tsv`, or the layout the model was trained
 * on): a `words` file is one trace; each row of a `csv`/`tsv` table is one trace, named
 * `FILE:ID` (with an id column) or `FILE:LINE`. (Not a command: the commands are listed in
 * `commands.ts`.)
 */
import { readFile } from 'node:fs/promises';
import type { CliIO, ParsedValues } from './command.js';
import { warn } from './command.js';
import { columnsFromArgs, formatFromArgs, isTableForm } from './dataset-args.js';
import type { DatasetColumns } from '../corpus/datasets.js';
import { readTableRows, readWords, rowName } from '../corpus/datasets.js';
import { DatasetError } from '../corpus/errors.js';
import type { InputForm } from '../model/config.js';
import { inputOf } from '../model/config.js';
import type { Model } from '../model/model.js';
import { CallTable } from '../tokenize/call-table.js';
import type { Verdict, VerdictOptions } from '../api/verdict.js';
import { verdictOfCalls } from '../api/verdict.js';

/** What scan's target collection gives (structurally `src/cli/targets.ts`'s `Target`). */
export interface Target {
  readonly name: string;
  /** Absolute path, or null for standard input. */
  readonly path: string | null;
  /** Why it cannot be read, when known before reading. */
  readonly error?: string;
}

/** How scan reads its inputs. */
export interface ScanInput {
  readonly form: InputForm;
  readonly columns?: DatasetColumns;
}

/** A target read in a dataset layout: a whole `words` file, or one row of a table. */
export type DatasetTarget = Target & {
  readonly dataset: { readonly calls?: readonly string[]; readonly error?: unknown };
};

/**
 * The layout to read: `--format`, else the model's own (`config.input`). An explicit
 * `--format` other than the model's is obeyed with a warning (a model's alphabet can come in
 * several layouts: a csv-trained model judges `words` files of the same names).
 */
export function scanInput(values: ParsedValues, model: Model, io: CliIO): ScanInput {
  const given = formatFromArgs(values);
  const own = inputOf(model.config);
  const form = given ?? own;
  if (given !== undefined && given !== own) {
    warn(io, `ntmaldetect scan: warning: the model was trained on ${own} input; reading ${given} as --format says`);
  }
  const columns = columnsFromArgs(values, form);
  return { form, ...(columns !== undefined ? { columns } : {}) };
}

async function readAll(t: Target, io: CliIO): Promise<Buffer> {
  if (t.path !== null) return readFile(t.path);
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/**
 * The targets of a scan in a dataset layout: each `words` file as is (read when judged),
 * each table expanded into its rows. A table that cannot be read stays one target that fails
 * with its {@link DatasetError} (exit 2). NtTrace input: the targets unchanged.
 */
export async function datasetTargets<T extends Target, F extends { readonly targets: T[] }>(
  found: F,
  input: ScanInput,
  io: CliIO,
): Promise<F> {
  if (input.form === 'nttrace') return found;
  const targets: T[] = [];
  for (const t of found.targets) {
    if (t.error !== undefined) targets.push(t);
    else if (!isTableForm(input.form)) targets.push({ ...t, dataset: {} });
    else {
      try {
        const table = readTableRows(await readAll(t, io), {
          form: input.form,
          source: t.name,
          ...(input.columns ? { columns: input.columns } : {}),
        });
        if (table.rows.length === 0) throw new DatasetError(t.name, null, 'has a header and no row');
        for (const row of table.rows) targets.push({ ...t, name: rowName(t.name, row), dataset: { calls: row.calls } });
      } catch (e) {
        targets.push({ ...t, dataset: { error: e } });
      }
    }
  }
  return { ...found, targets };
}

/** Whether a target is read in a dataset layout. */
export function isDatasetTarget(t: Target): t is DatasetTarget {
  return (t as Partial<DatasetTarget>).dataset !== undefined;
}

/** The verdict on a dataset target (throws the table's error, or EmptyTraceError for an empty words file). */
export async function datasetVerdict(t: DatasetTarget, model: Model, options: VerdictOptions, io: CliIO): Promise<Verdict> {
  if ('error' in t.dataset) throw t.dataset.error;
  const names = t.dataset.calls ?? readWords(await readAll(t, io), t.name);
  const table = new CallTable();
  const calls = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) calls[i] = table.intern(names[i]);
  return verdictOfCalls(model, calls, table, options, { source: t.name });
}
