/**
 * `ntmaldetect reassess`: re-assess the classifiers on the store's corpus, once or on a
 * cron schedule, and promote a candidate only when it measurably improves on production
 * (docs/reassessment.md).
 */
import type { CliIO, Command, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';
import { RULE_METRICS } from '../../reassess/rule.js';
import type { ProgressLine } from '../progress.js';
import { commandProgress, progressLine } from '../progress.js';

const help = `Usage: ntmaldetect reassess [--db D] (--once | --schedule CRON) [options]

Cross-validates the candidate configurations on the store's current corpus (grouped folds:
near-duplicate traces never straddle train and test), compares each with the production
model on the same folds, and promotes one only if it is better on the primary metric beyond
the fold-to-fold noise (one-sided paired t-test over folds, corrected for overlapping
training sets, at alpha / number of candidates) AND its false-positive rate at its
operating point is not worse. Every run, its figures, the decision and its reason are
recorded in the store ('ntmaldetect models runs'). Runs never overlap (a PostgreSQL
advisory lock; on an embedded store this process owns it); a run killed part-way leaves
the production model unchanged.

Options:
  --db D              the store: a folder (embedded) or postgres://... (default:
                      $NTMD_DATABASE_URL, else $XDG_DATA_HOME/ntmaldetect/store)
  --once              run once now and exit (exit 0 whatever the decision)
  --schedule CRON     run at each time of a cron expression ('0 3 * * *', '@hourly', ...)
                      until interrupted; --utc reads it in UTC instead of local time
  --min-new N         run only if at least N traces are new or relabelled since the last
                      assessment (default 1; 0 = always)
  --candidates LIST   comma-separated: production (the production configuration
                      retrained), auto, preset names (default: production, auto and every
                      preset)
  --folds N           grouped cross-validation folds (default 5)
  --seed N            seed of the split and of auto (default 0)
  --metric M          primary metric: accuracy, f1, rocAuc, prAuc, tprAtFpr01, tprAtFpr05
                      (default accuracy)
  --alpha A           significance level of the paired test (default 0.05)
  --min-gain G        smallest mean gain on the metric that counts (default 0)
  --max-fpr-rise R    allowed rise of the false-positive rate (default 0: not worse)
  --plain-t           plain paired t-test (no correction for overlapping training sets)
  --no-wait           fail at once if another run holds the lock, instead of waiting
  --json              print each run's report as one JSON line
  --progress          progress lines (folds, training) even when stderr is not a terminal

Examples:
  ntmaldetect reassess --once --candidates production,default,auto
  ntmaldetect reassess --schedule '30 2 * * *' --min-new 20 --db postgres://ntmd@127.0.0.1/ntmd`;

const command: Command = {
  name: 'reassess',
  help,
  allowPositionals: false,
  options: {
    db: { type: 'string' },
    once: { type: 'boolean' },
    schedule: { type: 'string' },
    utc: { type: 'boolean' },
    'min-new': { type: 'string' },
    candidates: { type: 'string' },
    folds: { type: 'string' },
    seed: { type: 'string' },
    metric: { type: 'string' },
    alpha: { type: 'string' },
    'min-gain': { type: 'string' },
    'max-fpr-rise': { type: 'string' },
    'plain-t': { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
    progress: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const once = values.once === true;
    const cron = stringOption(values, 'schedule');
    if (once === (cron !== undefined)) throw new UsageError('give exactly one of --once and --schedule CRON');
    const { parseCron, scheduleCron } = await import('../../reassess/cron.js');
    const schedule = cron !== undefined ? parseCron(cron, { utc: values.utc === true }) : undefined;
    const options = reassessOptions(values);
    const { openStore } = await import('../../store/index.js');
    const { reassess } = await import('../../reassess/engine.js');
    const store = await openStore({ db: stringOption(values, 'db'), env: io.env });
    try {
      const runOnce = async (trigger: string): Promise<void> => {
        // --progress asks for plain progress lines even when piped or with --json.
        const progress = values.progress === true ? progressLine(io, { lines: true }) : commandProgress(io, values);
        const report = await reassess(store, { ...options, trigger, onProgress: (e) => showProgress(io, progress, e) }).finally(() =>
          progress.clear(),
        );
        if (values.json === true) println(io.stdout, JSON.stringify(report));
        else printReport(io, report);
      };
      if (schedule === undefined) {
        await runOnce('once');
        return 0;
      }
      const timer = scheduleCron(
        schedule,
        () => runOnce('schedule'),
        (e) => println(io.stderr, `ntmaldetect reassess: run failed: ${(e as Error).message}`),
      );
      println(io.stderr, `ntmaldetect reassess: schedule ${JSON.stringify(cron)}, next run ${timer.next.toISOString()}`);
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => undefined, 1 << 30);
        const stop = (): void => {
          clearInterval(keepAlive);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      timer.stop();
      return 0;
    } finally {
      await store.close();
    }
  },
};

/** The engine options from the command line (shared with `serve --reassess`). */
export function reassessOptions(values: ParsedValues): import('../../reassess/engine.js').ReassessOptions {
  const metric = stringOption(values, 'metric');
  // Checked here, before the store is opened and the corpus loaded.
  if (metric !== undefined && !(RULE_METRICS as readonly string[]).includes(metric)) {
    throw new UsageError(`--metric must be one of ${RULE_METRICS.join(', ')}, got ${JSON.stringify(metric)}`);
  }
  return {
    minNew: numberOption(values, 'min-new', { min: 0, integer: true }),
    candidates: stringOption(values, 'candidates'),
    folds: numberOption(values, 'folds', { min: 2, integer: true }),
    seed: numberOption(values, 'seed', { min: 0, integer: true }),
    wait: values['no-wait'] !== true,
    rule: {
      metric: metric as import('../../reassess/rule.js').RuleMetric | undefined,
      alpha: numberOption(values, 'alpha', { min: 0, max: 1 }),
      minImprovement: numberOption(values, 'min-gain', { min: 0 }),
      maxFprIncrease: numberOption(values, 'max-fpr-rise', { min: 0, max: 1 }),
      corrected: values['plain-t'] === true ? false : undefined,
    },
  };
}

/** The lock wait as a line (it explains a pause); the rest on the progress line of a terminal. */
function showProgress(io: CliIO, progress: ProgressLine, e: import('../../reassess/engine.js').ReassessEvent): void {
  switch (e.stage) {
    case 'lock':
      progress.clear();
      println(io.stderr, 'reassess: another run holds the lock; waiting');
      break;
    case 'load':
      progress.update({ phase: 'reassess: traces', done: e.traces, total: e.traces, detail: `(${e.newTraces} new or relabelled)` });
      break;
    case 'fit':
      progress.update({ phase: 'reassess: folds', done: e.done, total: e.total, detail: `fold ${e.fold}: ${e.model}` });
      break;
    case 'train':
      progress.update({ phase: 'reassess: training', done: 0, total: 1, detail: e.model });
      break;
    default:
      break;
  }
}

const pct = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : '-');
/** A figure in [0, 1] in 5 characters (`.9545`, `1.000`). */
const short = (x: number): string => (!Number.isFinite(x) ? '-' : x >= 0.99995 ? x.toFixed(3) : x.toFixed(4).slice(1));

/** The human report of a run: a table of every model and the decision. */
export function printReport(io: CliIO, r: import('../../reassess/engine.js').ReassessReport): void {
  println(io.stdout, `run ${r.runId}: ${r.traces} traces, ${r.newTraces} new or relabelled, snapshot ${r.snapshotId.slice(0, 12)}`);
  if (r.suspectExcluded?.length) {
    println(
      io.stdout,
      `left out: ${r.suspectExcluded.length} trace${r.suspectExcluded.length === 1 ? '' : 's'} of revoked API tokens, until a person labels them again (${r.suspectExcluded.map((t) => t.slice(0, 12)).join(', ')})`,
    );
  }
  if (r.split) println(io.stdout, `split: ${r.split}`);
  const rows = [...(r.current ? [r.current] : []), ...r.candidates];
  if (rows.length > 0) {
    const m = r.rule.metric;
    println(
      io.stdout,
      `${'model'.padEnd(18)} ${`mean ${m}`.padStart(14)} ${'per fold'.padEnd(8 * (r.folds ?? 0))} ${'FPR'.padStart(7)} ${'gain'.padStart(8)} ${'p'.padStart(8)}  passes`,
    );
    for (const c of rows) {
      const folds = c.perFold.map((f) => short(f[m]).padStart(6)).join('  ');
      const gain = c.rule ? `${c.rule.test.meanDifference >= 0 ? '+' : ''}${c.rule.test.meanDifference.toFixed(4)}` : '';
      const p = c.rule ? (c.rule.test.pValue < 1e-4 ? c.rule.test.pValue.toExponential(1) : c.rule.test.pValue.toFixed(4)) : '';
      const passes = c.name === 'current' ? '(production)' : c.rule ? (c.rule.passes ? 'yes' : 'no') : '-';
      println(
        io.stdout,
        `${c.name.padEnd(18)} ${pct(c.mean[m]).padStart(14)} ${folds.padEnd(8 * (r.folds ?? 0))} ${pct(c.fpr).padStart(7)} ${gain.padStart(8)} ${p.padStart(8)}  ${passes}`,
      );
    }
  }
  println(io.stdout, `decision: ${r.status}${r.productionAfter !== null ? ` (production model ${r.productionAfter})` : ''}: ${r.reason}`);
}

export default command;
