/**
 * `ntmaldetect bench`: k-fold cross-validation of presets, saved models' configurations
 * and `auto` on a labelled corpus, with pooled out-of-fold metrics, a JSON summary and an
 * optional Markdown/SVG report.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { UsageError, numberOption, println, stringOption, warn } from '../command.js';
import { commandProgress } from '../progress.js';
import { threadsFromArgs, threadsHelp, threadsOption } from '../threads-args.js';
import { runBench, type BenchSplit } from '../../eval/bench.js';
import { summaryJson } from '../../eval/cv.js';
import { metricsTable, speedTable, writeReport } from '../../eval/report.js';
import { InputPathError, checkOutputDir, parseJsonFile, readFailure } from '../paths.js';
import {
  alphabetFromArgs,
  alphabetHelp,
  alphabetOption,
  columnsFromArgs,
  formatFromArgs,
  formatHelp,
  formatOptions,
  isTableForm,
} from '../dataset-args.js';

const SPLITS: readonly BenchSplit[] = ['stratified', 'unique', 'grouped'];

const PHASES = { load: 'reading traces', split: 'splitting', fit: 'folds' } as const;

const bench: Command = {
  name: 'bench',
  help: `Usage: ntmaldetect bench (--corpus DIR | --benign DIR --malicious DIR) [options]

K-fold cross-validation: on each fold the vectorizer and every model are fitted on the
training part only; the out-of-fold predictions are pooled (as scikit-learn's
cross_val_predict) and the per-fold mean and standard deviation are given beside them.

Options:
  --corpus DIR          a corpus in the NtMalDetect layout (DIR/sysBEN, DIR/sysMAL); with
                        --format words also ADFA-LD's (DIR/Training_Data_Master,
                        DIR/Validation_Data_Master benign; DIR/Attack_Data_Master malicious)
  --benign DIR          benign traces (with --malicious), instead of --corpus
  --malicious DIR       malicious traces
  --data FILE           csv/tsv: a table whose label column labels each row (repeatable),
                        instead of --corpus
${formatHelp(true, 24)}
${alphabetHelp(24)}
  --ngram-range A,B     fit every preset (not auto) with these n-gram lengths (for short
                        traces or rows of custom datasets)
  --folds K             number of folds (default 10)
  --seed S              seed of the split (default 0; seed S gives scikit-learn's
                        StratifiedKFold(shuffle=True, random_state=S) folds)
  --split KIND          stratified (default) | unique (byte-identical copies dropped)
                        | grouped (identical and near-duplicate traces, cosine >= 0.99 on
                        l2 ten-gram TF-IDF, never straddle folds: the honest figure)
  --folds-file F        replay the folds of a folds file by document name (its 'all'
                        setting; with --split unique its 'unique' setting)
  --models LIST         comma list of presets (ntmaldetect-2018, default, auto, ...) or
                        file:PATH (a saved model's configuration, refitted per fold);
                        default: default
  --recall R            recall at which false positives are counted (default 0.986)
  --json                print one JSON object instead of the table
${threadsHelp(24, 'fit the folds')}
  --report DIR          write DIR/report.md with tables, DIR/roc.svg and DIR/pr.svg

Results are named PRESET (its own ensemble verdict), PRESET/MEMBER (one member) and
PRESET/POLICY (another ensemble policy). A trace with no n-gram known to a fold's model
is judged benign ("insufficient"), as detect and scan judge it.

Examples:
  ntmaldetect bench --corpus ../shared/corpus --folds-file ../shared/reference/cv-folds.json --models ntmaldetect-2018,default
  ntmaldetect bench --corpus ../shared/corpus --split grouped --models default --report out/
  ntmaldetect bench --format words --benign ADFA-LD/Training_Data_Master --malicious ADFA-LD/Attack_Data_Master --folds 5
  ntmaldetect bench --format csv --data MalBehavD-V1-dataset.csv --ngram-range 2,4 --models default,sgd-2018`,
  options: {
    corpus: { type: 'string' },
    benign: { type: 'string' },
    malicious: { type: 'string' },
    folds: { type: 'string' },
    seed: { type: 'string' },
    split: { type: 'string' },
    'folds-file': { type: 'string' },
    models: { type: 'string' },
    recall: { type: 'string' },
    json: { type: 'boolean' },
    ...threadsOption,
    report: { type: 'string' },
    data: { type: 'string', multiple: true },
    'ngram-range': { type: 'string' },
    ...formatOptions,
    ...alphabetOption,
  },
  allowPositionals: false,
  async run(values, _positionals, io) {
    const threads = threadsFromArgs(values);
    const corpusDir = stringOption(values, 'corpus');
    const benign = stringOption(values, 'benign');
    const malicious = stringOption(values, 'malicious');
    const rawData = values.data;
    const data = (rawData === undefined ? [] : Array.isArray(rawData) ? rawData : [rawData])
      .filter((x): x is string => typeof x === 'string')
      .map((p) => resolve(io.cwd, p));
    const format = formatFromArgs(values);
    const columns = columnsFromArgs(values, format ?? 'nttrace');
    if (data.length && !isTableForm(format ?? 'nttrace'))
      throw new UsageError('bench: --data FILE is a labelled table: give --format csv or --format tsv');
    if (data.length && (corpusDir !== undefined || benign !== undefined || malicious !== undefined))
      throw new UsageError('bench: give --data, --corpus or --benign/--malicious, not two of them');
    if (corpusDir !== undefined && (benign !== undefined || malicious !== undefined))
      throw new UsageError('bench: give --corpus or --benign/--malicious, not both');
    if (!data.length && corpusDir === undefined && (benign === undefined || malicious === undefined)) {
      throw new UsageError(
        `bench: give --corpus DIR, or both --benign DIR and --malicious DIR${isTableForm(format ?? 'nttrace') ? ', or --data FILE' : ''}`,
      );
    }
    let alphabet = alphabetFromArgs(values);
    if (alphabet === undefined && format !== undefined && format !== 'nttrace') {
      alphabet = 'custom';
      println(io.stderr, `alphabet: custom (from --format ${format})`);
    }
    const range = stringOption(values, 'ngram-range');
    const rangeMatch = range === undefined ? null : /^(\d+)(?:,(\d+))?$/.exec(range);
    if (range !== undefined && !rangeMatch) throw new UsageError(`--ngram-range must be A,B (e.g. 2,4), got ${JSON.stringify(range)}`);
    const ngramRange: [number, number] | undefined = rangeMatch
      ? [Number(rangeMatch[1]), Number(rangeMatch[2] ?? rangeMatch[1])]
      : undefined;
    const split = stringOption(values, 'split') ?? 'stratified';
    if (!(SPLITS as readonly string[]).includes(split))
      throw new UsageError(`bench: --split must be one of ${SPLITS.join(', ')}, got ${JSON.stringify(split)}`);
    const folds = numberOption(values, 'folds', { min: 2, max: 1000, integer: true });
    const foldsFile = stringOption(values, 'folds-file');
    if (foldsFile !== undefined && folds !== undefined)
      throw new UsageError('bench: --folds cannot be used with --folds-file (the file fixes the folds)');
    const seed = numberOption(values, 'seed', { min: 0, max: 0xffffffff, integer: true });
    const recall = numberOption(values, 'recall', { min: 0, max: 1 });
    const models = stringOption(values, 'models') ?? 'default';
    const reportDir = stringOption(values, 'report');
    // Before any work: the report folder can be made, the folds file is readable JSON.
    if (reportDir !== undefined) checkOutputDir(reportDir, io.cwd, '--report');
    if (foldsFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(resolve(io.cwd, foldsFile), 'utf8');
      } catch (e) {
        throw new InputPathError('--folds-file', foldsFile, `cannot read it: ${readFailure(e)}`);
      }
      parseJsonFile(text, foldsFile, '--folds-file');
    }
    const corpus = data.length
      ? { data }
      : corpusDir !== undefined
        ? resolve(io.cwd, corpusDir)
        : { benign: resolve(io.cwd, benign!), malicious: resolve(io.cwd, malicious!) };
    const progress = commandProgress(io, values);
    const r = await runBench({
      corpus,
      ...(threads !== undefined ? { threads } : {}),
      folds,
      seed,
      split: split as BenchSplit,
      foldsFile,
      models,
      cwd: io.cwd,
      recallTarget: recall,
      ...(format !== undefined ? { input: format } : {}),
      ...(columns !== undefined ? { columns } : {}),
      ...(alphabet !== undefined ? { alphabet } : {}),
      ...(ngramRange !== undefined ? { ngramRange } : {}),
      ...(progress.enabled
        ? {
            onProgress: (stage: keyof typeof PHASES, done: number, total: number, what?: string) =>
              progress.update({ phase: PHASES[stage], done, total, detail: what }),
          }
        : {}),
      onWarning: (msg) => {
        progress.clear();
        warn(io, `warning: ${msg}`);
      },
    }).finally(() => progress.clear());
    if (reportDir !== undefined) {
      const command = [
        'ntmaldetect bench',
        ...Object.entries(values).map(([k, v]) => (v === true ? `--${k}` : `--${k} ${String(v)}`)),
      ].join(' ');
      const files = writeReport(resolve(io.cwd, reportDir), r, { command, recallTarget: recall });
      println(io.stderr, `report: ${files.join(', ')}`);
    }
    if (values.json === true) {
      println(io.stdout, JSON.stringify(summaryJson(r)));
      return 0;
    }
    println(io.stdout, `${r.traces} traces, ${r.split}`);
    println(io.stdout);
    println(io.stdout, metricsTable(r.results, recall));
    println(io.stdout);
    println(io.stdout, speedTable(r));
    if (r.autoChoices.length) {
      println(io.stdout);
      r.autoChoices.forEach((c, i) => println(io.stdout, `auto, fold ${i}: ${describeConfig(c)}`));
    }
    return 0;
  },
};

/** One line describing a configuration (n-grams, tf, members). */
function describeConfig(c: {
  tfidf: { ngramRange: readonly number[]; sublinearTf: boolean };
  members: readonly { kind: string; name: string }[];
}): string {
  return `${c.tfidf.ngramRange.join('..')}-grams, ${c.tfidf.sublinearTf ? 'sublinear' : 'raw'} tf, ${c.members.map((m) => m.name).join(' + ')}`;
}

export default bench;
