/**
 * `ntmaldetect train`: a model file from labelled traces.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command, CliIO, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, stringOption, warn } from '../command.js';
import { count, policyFromArgs, readKey } from '../model-args.js';
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
import { commandProgress } from '../progress.js';
import { InputPathError, checkOutputFile, parseJsonFile, readFailure } from '../paths.js';
import type { ModelConfigInput } from '../../model/config.js';
import { presetNames } from '../../model/presets.js';
import { nonZeroWeights } from '../../model/linear.js';
import type { TrainCorpus, TrainOptions } from '../../api/train.js';
import { alphabetImplied, loadTrainCorpus, trainConfig, trainOnCorpusThreads } from '../../api/train.js';
import { FeatureThreads } from '../../api/threads.js';
import { threadsFromArgs, threadsHelp, threadsOption } from '../threads-args.js';
import { alphabetOf, inputOf } from '../../model/config.js';
import { selectAutoConfig } from '../../eval/auto.js';
import { MIN_KNOWN_NGRAMS } from '../../api/verdict.js';
import type { Model } from '../../model/model.js';
import type { Corpus } from '../../corpus/index.js';
import { chooseInPasses, trainInPasses } from '../../api/train-streaming.js';

const help = `Usage: ntmaldetect train (--corpus DIR | --benign P... --malicious P...) --out F [options]

Trains a model on labelled traces and writes it to F (.ntmd). The same traces, options and
seed give a byte-identical file.

Corpus:
  --corpus DIR          a folder in NtMalDetect's layout: DIR/sysBEN (benign), DIR/sysMAL (malicious);
                        with --format words also ADFA-LD's: DIR/Training_Data_Master and
                        DIR/Validation_Data_Master (benign), DIR/Attack_Data_Master (malicious)
  --benign P            a benign folder or trace file (repeatable)
  --malicious P         a malicious folder or trace file (repeatable)
  --data FILE           csv/tsv: a table whose label column labels each row (repeatable;
                        instead of --corpus or --benign/--malicious)

Input (default: NtTrace logs and reduced traces, one per file):
${formatHelp(true, 24)}
${alphabetHelp(24)}
  --min-known N         distinct known n-grams a trace needs for a verdict, stored in the
                        model (default: the library's, 50, measured for NtTrace ten-grams;
                        set it for short traces or rows)

Model:
  --preset NAME         starting configuration (${presetNames().join(', ')}; default: default if
                        registered, else ntmaldetect-2018)
  --config FILE         a JSON model configuration instead of a preset
  --ngram-range A,B     n-gram lengths (default from the preset: 10,10)
  --policy P            any | all | majority | mean (default from the preset)
  --harsh               = --policy all
  --calibrate           fit Platt scalers so members report probabilities
  --seed N              seed of every random choice (default 0)
  --sign-key K          sign the model with this Ed25519 private key (PEM)

Output:
  --out F               the model file to write
  --json                print the summary as JSON
${threadsHelp()}

Memory (default: in passes when --corpus or --benign/--malicious files total 256 MiB or more):
  --low-memory          read the trace files in passes instead of loading them: memory for the
                        n-grams kept and the matrix only, the same model file (not with --preset
                        auto or csv/tsv tables; --threads is not used)
  --in-memory           load the traces, whatever their size

Examples:
  ntmaldetect train --corpus corpus/ --out my.ntmd
  ntmaldetect train --benign good/ --malicious bad/ --preset ntmaldetect-2018 --out m.ntmd
  ntmaldetect train --format words --benign ADFA-LD/Training_Data_Master --malicious ADFA-LD/Attack_Data_Master --out adfa.ntmd
  ntmaldetect train --format csv --data MalBehavD-V1-dataset.csv --ngram-range 2,4 --min-known 1 --out api.ntmd`;

/**
 * Custom datasets: warns when training traces would themselves be `unfamiliar` to the model
 * (fewer distinct known n-grams than its threshold, 50 unless set: a figure measured for
 * NtTrace ten-grams), as short rows of API calls are.
 */
function warnUnfamiliar(io: CliIO, model: Model, known: ArrayLike<number>): void {
  const threshold = model.config.minKnownNgrams ?? MIN_KNOWN_NGRAMS;
  let under = 0;
  for (let r = 0; r < known.length; r++) if (known[r] < threshold) under++;
  if (under === 0) return;
  warn(
    io,
    `ntmaldetect train: warning: ${under} of ${known.length} training traces have fewer than ${threshold} distinct n-grams known to the model: ` +
      'scan would call such traces unfamiliar; for short traces or rows give --min-known N (e.g. 1) and a shorter --ngram-range',
  );
}

function list(v: ParsedValues[string]): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

async function configFile(path: string, cwd: string): Promise<ModelConfigInput> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (e) {
    throw new InputPathError('--config', path, `cannot read it: ${readFailure(e)}`);
  }
  return parseJsonFile(text, path, '--config') as ModelConfigInput;
}

const command: Command = {
  name: 'train',
  help,
  options: {
    corpus: { type: 'string' },
    benign: { type: 'string', multiple: true },
    malicious: { type: 'string', multiple: true },
    preset: { type: 'string' },
    config: { type: 'string' },
    'ngram-range': { type: 'string' },
    policy: { type: 'string' },
    harsh: { type: 'boolean' },
    calibrate: { type: 'boolean' },
    seed: { type: 'string' },
    'sign-key': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    data: { type: 'string', multiple: true },
    'min-known': { type: 'string' },
    ...formatOptions,
    ...alphabetOption,
    ...threadsOption,
    'low-memory': { type: 'boolean' },
    'in-memory': { type: 'boolean' },
  },
  allowPositionals: false,
  async run(values: ParsedValues, _positionals: string[], io: CliIO): Promise<number> {
    const started = performance.now();
    const threadCount = threadsFromArgs(values);
    const corpusDir = stringOption(values, 'corpus');
    const benign = list(values.benign).map((p) => resolve(io.cwd, p));
    const malicious = list(values.malicious).map((p) => resolve(io.cwd, p));
    const data = list(values.data).map((p) => resolve(io.cwd, p));
    const format = formatFromArgs(values);
    const columns = columnsFromArgs(values, format ?? 'nttrace');
    if (data.length && !isTableForm(format ?? 'nttrace'))
      throw new UsageError('train: --data FILE is a labelled table: give --format csv or --format tsv');
    if (data.length && (corpusDir !== undefined || benign.length || malicious.length))
      throw new UsageError('train: give --data, --corpus or --benign/--malicious, not two of them');
    if (corpusDir !== undefined && (benign.length || malicious.length))
      throw new UsageError('train: give --corpus or --benign/--malicious, not both');
    if (!data.length && corpusDir === undefined && (!benign.length || !malicious.length)) {
      throw new UsageError(
        `train: give --corpus DIR, or both --benign and --malicious${isTableForm(format ?? 'nttrace') ? ', or --data FILE' : ''}`,
      );
    }
    const out = stringOption(values, 'out');
    if (out === undefined) throw new UsageError('train: --out F is required (the model file to write)');
    // Before any work: a missing folder is found now, not after the training.
    checkOutputFile(out, io.cwd, '--out');
    const preset = stringOption(values, 'preset');
    const cfgPath = stringOption(values, 'config');
    if (preset !== undefined && cfgPath !== undefined) throw new UsageError('train: give --preset or --config, not both');
    const range = stringOption(values, 'ngram-range');
    let ngramRange: [number, number] | undefined;
    if (range !== undefined) {
      const m = /^(\d+)(?:,(\d+))?$/.exec(range);
      if (!m) throw new UsageError(`--ngram-range must be A,B (e.g. 10,10), got ${JSON.stringify(range)}`);
      ngramRange = [Number(m[1]), Number(m[2] ?? m[1])];
    }
    const policy = policyFromArgs(values);
    const seed = numberOption(values, 'seed', { min: 0, max: 0xffffffff, integer: true });
    if (values['low-memory'] === true && values['in-memory'] === true)
      throw new UsageError('train: give --low-memory or --in-memory, not both');
    const lowMemory = values['low-memory'] === true ? true : values['in-memory'] === true ? false : 'auto';
    const threads = new FeatureThreads(threadCount);
    const signPath = stringOption(values, 'sign-key');
    const signKey = signPath === undefined ? undefined : await readKey(signPath, io.cwd, 'signing key');
    const options: TrainOptions = {
      ...(preset !== undefined ? { preset } : {}),
      ...(cfgPath !== undefined ? { config: await configFile(cfgPath, io.cwd) } : {}),
      ...(ngramRange ? { ngramRange } : {}),
      ...(policy ? { policy } : {}),
      ...(values.calibrate === true ? { calibrate: true } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(format !== undefined ? { input: format } : {}),
      ...(alphabetFromArgs(values) !== undefined ? { alphabet: alphabetFromArgs(values) } : {}),
      ...(numberOption(values, 'min-known', { min: 0, integer: true }) !== undefined
        ? { minKnownNgrams: numberOption(values, 'min-known', { min: 0, integer: true }) }
        : {}),
    };
    let config = trainConfig(options);
    if (alphabetImplied(options)) println(io.stderr, `alphabet: custom (from --format ${inputOf(config)})`);
    const progress = commandProgress(io, values);
    const spec: TrainCorpus = data.length ? { data } : corpusDir !== undefined ? resolve(io.cwd, corpusDir) : { benign, malicious };
    const onWarning = (m: string): void => {
      progress.clear();
      warn(io, `ntmaldetect train: warning: ${m}`);
    };
    // Fitting: the tf-idf step, then each member (its calibration too when asked).
    let step = 0;
    const fitProgress = progress.enabled
      ? {
          onFitProgress: (stage: string, detail: string) => {
            const steps = 1 + config.members.length;
            if (stage === 'member') step++;
            const done = stage === 'done' ? steps : stage === 'tfidf' ? 0 : step;
            progress.update({ phase: 'fitting', done, total: steps, detail: stage === 'done' ? detail : `${stage} ${detail}` });
          },
        }
      : {};
    try {
      const stream = await chooseInPasses(spec, config, {
        lowMemory,
        ...(preset !== undefined ? { preset } : {}),
        onWarning,
        ...(progress.enabled
          ? {
              onReadProgress: (pass: number, done: number, total: number) =>
                progress.update({ phase: `reading traces (pass ${pass})`, done, total }),
            }
          : {}),
      });
      const trained = stream ? await trainInPasses(stream, config, fitProgress) : await trainInMemory();
      const model = trained.model;
      progress.clear();
      if (alphabetOf(model.config) === 'custom' || inputOf(model.config) !== 'nttrace') warnUnfamiliar(io, model, trained.knownNgrams);
      await model.save(resolve(io.cwd, out), signKey !== undefined ? { signKey } : {});
      const bytes = (await readFile(resolve(io.cwd, out))).length;
      const seconds = (performance.now() - started) / 1000;
      const info = model.info();
      const summary = {
        out,
        bytes,
        preset: preset ?? (cfgPath !== undefined ? null : trainConfigName(options)),
        traces: info.corpus!.documents,
        benign: info.corpus!.benign,
        malicious: info.corpus!.malicious,
        skippedEmpty: info.corpus!.skippedEmpty,
        duplicates: info.corpus!.duplicates,
        calls: info.corpus!.calls,
        features: model.tfidf.vocabularySize,
        members: model.members.map((m) => ({ name: m.name, kind: m.kind, features: nonZeroWeights(m), calibrated: m.platt !== null })),
        policy: model.config.policy,
        seed: model.config.seed,
        signed: signKey !== undefined,
        lowMemory: stream !== undefined,
        seconds: Math.round(seconds * 100) / 100,
      };
      if (values.json === true) println(io.stdout, JSON.stringify(summary));
      else {
        println(
          io.stdout,
          `trained on ${count(summary.traces)} traces (${summary.benign} benign, ${summary.malicious} malicious; ${summary.duplicates} duplicates kept), ${summary.skippedEmpty} empty files skipped`,
        );
        const [lo, hi] = config.tfidf.ngramRange;
        println(
          io.stdout,
          `features: ${count(summary.features)} ${lo === hi ? lo : `${lo}- to ${hi}`}-grams over ${count(summary.calls)} calls${summary.lowMemory ? ' (read in passes)' : ''}`,
        );
        for (const m of summary.members)
          println(io.stdout, `member ${m.name}: ${count(m.features)} non-zero weights${m.calibrated ? ', calibrated' : ''}`);
        println(io.stdout, `policy ${summary.policy}, seed ${summary.seed}${summary.signed ? ', signed' : ''}`);
        println(io.stdout, `wrote ${out} (${count(bytes)} bytes) in ${seconds.toFixed(1)} s`);
      }
      return 0;
    } finally {
      await threads.close();
    }

    /** The corpus loaded whole (threads as chosen), the model, and its training rows' known n-grams. */
    async function trainInMemory(): Promise<{ model: Model; knownNgrams: Int32Array }> {
      const corpus = await loadTrainCorpus(spec, {
        threads,
        input: inputOf(config),
        ...(columns !== undefined ? { columns } : {}),
        onWarning,
        ...(progress.enabled
          ? { onReadProgress: (done: number, total: number) => progress.update({ phase: 'reading traces', done, total }) }
          : {}),
      });
      if (preset === 'auto') {
        // auto: the configuration is chosen on this corpus by inner cross-validation, as train() does.
        progress.update({ phase: 'choosing (auto)', done: 0, total: 1 });
        const chosen = selectAutoConfig(
          corpus.docs.map((d) => d.calls),
          Uint8Array.from(corpus.docs, (d) => d.label),
          corpus.table,
          { seed: config.seed, alphabet: alphabetOf(config) },
        );
        config = trainConfig({
          ...options,
          preset: undefined,
          config: {
            ...chosen.config,
            ...(config.alphabet ? { alphabet: config.alphabet } : {}),
            ...(config.input ? { input: config.input } : {}),
          },
        });
      }
      const model = await trainOnCorpusThreads(corpus, config, fitProgress, threads);
      return {
        model,
        get knownNgrams() {
          return knownNgramsOf(model, corpus);
        },
      };
    }
  },
};

/** Distinct n-grams of each training trace known to the model (only computed for the unfamiliar warning). */
function knownNgramsOf(model: Model, corpus: Corpus): Int32Array {
  const X = model.tfidf.transform(
    corpus.docs.map((d) => d.calls),
    corpus.table,
  );
  const known = new Int32Array(X.rows);
  for (let r = 0; r < X.rows; r++) known[r] = X.indptr[r + 1] - X.indptr[r];
  return known;
}

function trainConfigName(options: TrainOptions): string {
  return options.preset ?? (presetNames().includes('default') ? 'default' : 'ntmaldetect-2018');
}

export default command;
