/**
 * `ntmaldetect train`: a model file from labelled traces.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command, CliIO, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';
import { count, policyFromArgs, readKey } from '../model-args.js';
import { commandProgress } from '../progress.js';
import type { ModelConfigInput } from '../../model/config.js';
import { presetNames } from '../../model/presets.js';
import { nonZeroWeights } from '../../model/linear.js';
import type { TrainCorpus, TrainOptions } from '../../api/train.js';
import { loadTrainCorpus, trainConfig, trainOnCorpus } from '../../api/train.js';

const help = `Usage: ntmaldetect train (--corpus DIR | --benign P... --malicious P...) --out F [options]

Trains a model on labelled traces and writes it to F (.ntmd). The same traces, options and
seed give a byte-identical file.

Corpus:
  --corpus DIR          a folder in NtMalDetect's layout: DIR/sysBEN (benign), DIR/sysMAL (malicious)
  --benign P            a benign folder or trace file (repeatable)
  --malicious P         a malicious folder or trace file (repeatable)

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

Examples:
  ntmaldetect train --corpus corpus/ --out my.ntmd
  ntmaldetect train --benign good/ --malicious bad/ --preset ntmaldetect-2018 --out m.ntmd`;

function list(v: ParsedValues[string]): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

async function configFile(path: string, cwd: string): Promise<ModelConfigInput> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text) as ModelConfigInput;
  } catch (e) {
    throw new UsageError(`--config ${path}: not valid JSON (${(e as Error).message})`);
  }
}

const command: Command = {
  name: 'train',
  summary: 'train a model on labelled traces and write it to a file',
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
  },
  allowPositionals: false,
  async run(values: ParsedValues, _positionals: string[], io: CliIO): Promise<number> {
    const started = performance.now();
    const corpusDir = stringOption(values, 'corpus');
    const benign = list(values.benign).map((p) => resolve(io.cwd, p));
    const malicious = list(values.malicious).map((p) => resolve(io.cwd, p));
    if (corpusDir !== undefined && (benign.length || malicious.length)) throw new UsageError('train: give --corpus or --benign/--malicious, not both');
    if (corpusDir === undefined && (!benign.length || !malicious.length)) throw new UsageError('train: give --corpus DIR, or both --benign and --malicious');
    const out = stringOption(values, 'out');
    if (out === undefined) throw new UsageError('train: --out F is required (the model file to write)');
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
    const signPath = stringOption(values, 'sign-key');
    const signKey = signPath === undefined ? undefined : await readKey(signPath, io.cwd, 'signing key');
    const options: TrainOptions = {
      ...(preset !== undefined ? { preset } : {}),
      ...(cfgPath !== undefined ? { config: await configFile(cfgPath, io.cwd) } : {}),
      ...(ngramRange ? { ngramRange } : {}),
      ...(policy ? { policy } : {}),
      ...(values.calibrate === true ? { calibrate: true } : {}),
      ...(seed !== undefined ? { seed } : {}),
    };
    const config = trainConfig(options);
    const progress = commandProgress(io, values);
    const spec: TrainCorpus = corpusDir !== undefined ? resolve(io.cwd, corpusDir) : { benign, malicious };
    const corpus = await loadTrainCorpus(spec, {
      onWarning: (m) => {
        progress.clear();
        println(io.stderr, `ntmaldetect train: warning: ${m}`);
      },
      ...(progress.enabled ? { onReadProgress: (done: number, total: number) => progress.update({ phase: 'reading traces', done, total }) } : {}),
    });
    // Fitting: the tf-idf step, then each member (its calibration too when asked).
    const steps = 1 + config.members.length;
    let step = 0;
    const model = trainOnCorpus(
      corpus,
      config,
      progress.enabled
        ? {
            onFitProgress: (stage, detail) => {
              if (stage === 'member') step++;
              const done = stage === 'done' ? steps : stage === 'tfidf' ? 0 : step;
              progress.update({ phase: 'fitting', done, total: steps, detail: stage === 'done' ? detail : `${stage} ${detail}` });
            },
          }
        : {},
    );
    progress.clear();
    await model.save(resolve(io.cwd, out), signKey !== undefined ? { signKey } : {});
    const bytes = (await readFile(resolve(io.cwd, out))).length;
    const seconds = (performance.now() - started) / 1000;
    const info = model.info();
    const summary = {
      out,
      bytes,
      preset: preset ?? (cfgPath !== undefined ? null : trainConfigName(options)),
      traces: corpus.docs.length,
      benign: info.corpus!.benign,
      malicious: info.corpus!.malicious,
      skippedEmpty: corpus.skippedEmpty.length,
      duplicates: info.corpus!.duplicates,
      calls: info.corpus!.calls,
      features: model.tfidf.vocabularySize,
      members: model.members.map((m) => ({ name: m.name, kind: m.kind, features: nonZeroWeights(m), calibrated: m.platt !== null })),
      policy: model.config.policy,
      seed: model.config.seed,
      signed: signKey !== undefined,
      seconds: Math.round(seconds * 100) / 100,
    };
    if (values.json === true) println(io.stdout, JSON.stringify(summary));
    else {
      println(io.stdout, `trained on ${count(summary.traces)} traces (${summary.benign} benign, ${summary.malicious} malicious; ${summary.duplicates} duplicates kept), ${summary.skippedEmpty} empty files skipped`);
      const [lo, hi] = config.tfidf.ngramRange;
      println(io.stdout, `features: ${count(summary.features)} ${lo === hi ? lo : `${lo}- to ${hi}`}-grams over ${count(summary.calls)} calls`);
      for (const m of summary.members) println(io.stdout, `member ${m.name}: ${count(m.features)} non-zero weights${m.calibrated ? ', calibrated' : ''}`);
      println(io.stdout, `policy ${summary.policy}, seed ${summary.seed}${summary.signed ? ', signed' : ''}`);
      println(io.stdout, `wrote ${out} (${count(bytes)} bytes) in ${seconds.toFixed(1)} s`);
    }
    return 0;
  },
};

function trainConfigName(options: TrainOptions): string {
  return options.preset ?? (presetNames().includes('default') ? 'default' : 'ntmaldetect-2018');
}

export default command;
