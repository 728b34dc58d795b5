/**
 * `ntmaldetect scan`: the verdict of a model on trace files, folders (recursively) or
 * standard input. Exit code 1 when any trace is malicious, else 2 when any failed, else 3
 * when any got no decision (unfamiliar or insufficient), else 0 (see {@link verdictExitCode}).
 */
import type { Command, CliIO, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, warn } from '../command.js';
import { modelHelp, modelOptions, pad, policyFromArgs, resolvedModelFromArgs, signed } from '../model-args.js';
import { threadsFromArgs, threadsHelp, threadsOption } from '../threads-args.js';
import type { ScanThreads } from '../scan-job.js';
import { isNtmdError } from '../../errors.js';
import { CallTable } from '../../tokenize/call-table.js';
import { readTrace } from '../../tokenize/read.js';
import { readWarnings } from '../read-warnings.js';
import { formatHelp, formatOptions } from '../dataset-args.js';
import { datasetTargets, datasetVerdict, isDatasetTarget, scanInput } from '../dataset-scan.js';
import { collectTargets, notATraceReason } from '../targets.js';
import type { Target } from '../targets.js';
import type { Model } from '../../model/model.js';
import type { Verdict, VerdictOptions } from '../../api/verdict.js';
import { verdictExitCode, verdictLabel, verdictOfCalls, verdictSettings } from '../../api/verdict.js';
import { noVerdictJson, verdictJson } from '../../api/verdict-json.js';

/** What the model knows of an undecided trace, for the table's first score column. */
function knownCell(v: Verdict): string {
  return v.ngrams === 0 ? 'no n-gram' : `${v.knownNgrams} known`;
}

const help = `Usage: ntmaldetect scan [options] <file|dir|->...

Judges each trace (an NtTrace log or a reduced trace, plain or gzip'd) with the model.
Folders are scanned recursively; '-' reads standard input. Empty files met in a folder
are skipped with a warning; an empty file named on the command line is an error.

Options:
${modelHelp}
  --policy P           any | all | majority | mean (default: the model's own policy)
  --harsh              malicious only if every classifier says so (= --policy all)
  --threshold P        probability threshold of the 'mean' policy (default: the model's)
  --min-known N        distinct n-grams of a trace the model must know to judge it
                       (default 50); below it the trace is 'unfamiliar'
  --unfamiliar-ok      exit 0, not 3, for unfamiliar and insufficient traces
  --json               one JSON object per trace per line instead of the table
${threadsHelp(23)}
${formatHelp(false)}

Verdicts: MALICIOUS, benign, unfamiliar (too little of the trace is known to the model
to judge it: no decision, whatever the scores), insufficient (too few calls for one
n-gram).

Exit status: 1 if any trace is malicious, else 2 if any trace could not be read
(or on a usage error), else 3 if any trace is unfamiliar or insufficient (0 with
--unfamiliar-ok), else 0.

Examples:
  ntmaldetect scan suspicious.log
  ntmaldetect scan --harsh --json traces/ > verdicts.jsonl
  nttrace app.exe | ntmaldetect scan -`;

/** The `--json` line of one verdict: the verdict record (docs/cli.md, "Verdict JSON") with `file`. */
export function jsonVerdict(file: string, v: Verdict): Record<string, unknown> {
  const { schemaVersion, ...rest } = verdictJson(v);
  return { schemaVersion, file, ...rest };
}

async function judge(t: Target, model: Model, options: VerdictOptions, io: CliIO): Promise<Verdict> {
  if (isDatasetTarget(t)) return datasetVerdict(t, model, options, io);
  const table = new CallTable();
  const read = await readTrace(t.path ?? io.stdin, { table, source: t.name });
  for (const w of readWarnings(read)) warn(io, `ntmaldetect scan: warning: ${t.name}: ${w}`);
  return verdictOfCalls(model, read.calls, table, options, { source: t.name, lines: read.stats.lines });
}

const command: Command = {
  name: 'scan',
  help,
  options: {
    ...modelOptions,
    policy: { type: 'string' },
    harsh: { type: 'boolean' },
    threshold: { type: 'string' },
    'min-known': { type: 'string' },
    'unfamiliar-ok': { type: 'boolean' },
    json: { type: 'boolean' },
    ...formatOptions,
    ...threadsOption,
  },
  allowPositionals: true,
  async run(values: ParsedValues, positionals: string[], io: CliIO): Promise<number> {
    if (positionals.length === 0) throw new UsageError('scan: give at least one trace file, folder, or - for standard input');
    if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('scan: standard input (-) can be read only once');
    const policy = policyFromArgs(values);
    const threshold = numberOption(values, 'threshold', { min: 0, max: 1 });
    const minKnownNgrams = numberOption(values, 'min-known', { min: 0, integer: true });
    const json = values.json === true;
    const threads = threadsFromArgs(values);
    const resolved = await resolvedModelFromArgs(values, io.cwd);
    const model = resolved.model;
    const options: VerdictOptions = {
      ...(policy ? { policy } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      ...(minKnownNgrams !== undefined ? { minKnownNgrams } : {}),
    };
    const settings = verdictSettings(model, options);
    const { targets, emptySkipped: skipped } = await datasetTargets(
      await collectTargets(positionals, io.cwd),
      scanInput(values, model, io),
      io,
    );
    // Trace files on several threads when worth it (src/cli/scan-job.ts): the same verdicts, printed in the same order.
    const files = targets.filter((t): t is Target & { path: string } => t.error === undefined && t.path !== null && !isDatasetTarget(t));
    const pool: ScanThreads | undefined =
      threads === 1 || files.length < 2
        ? undefined
        : await (await import('../scan-job.js')).ScanThreads.start(files, threads, model, resolved.bytes ?? resolved.path, options);
    try {
      const notTraces: string[] = [];
      for (const s of skipped) warn(io, `ntmaldetect scan: warning: skipped empty file ${s}`);
      const width = Math.max(4, ...targets.map((t) => t.name.length));
      const memberNames = model.members.map((m) => m.name);
      const colW = memberNames.map((n) => Math.max(n.length, 10));
      if (!json) {
        println(io.stdout, `${pad('FILE', width)}  ${pad('VERDICT', 12)}  ${memberNames.map((n, i) => pad(n, colW[i])).join('  ')}  CALLS`);
      }
      let malicious = 0;
      let failed = 0;
      let refused = 0;
      let insufficient = 0;
      let unfamiliar = 0;
      const report = (name: string, code: string, error: string): void => {
        failed++;
        const record = noVerdictJson({ code, message: error });
        if (record.verdict === 'refused') refused++;
        const { schemaVersion, ...rest } = record;
        if (json) println(io.stdout, JSON.stringify({ schemaVersion, file: name, ...rest }));
        else println(io.stdout, `${pad(name, width)}  ${pad(record.verdict === 'refused' ? 'refused' : 'ERROR', 12)}  ${error}`);
      };
      for (const t of targets) {
        if (t.error !== undefined) {
          report(t.name, 'TRACE_UNREADABLE', t.error);
          continue;
        }
        let v: Verdict;
        try {
          const pre = await pool?.result(t);
          if (pre !== undefined && 'verdict' in pre) {
            for (const w of pre.warnings) warn(io, `ntmaldetect scan: warning: ${t.name}: ${w}`);
            v = pre.verdict;
          } else v = await judge(t, model, options, io);
        } catch (e) {
          if (!isNtmdError(e) && !(e as NodeJS.ErrnoException).code) throw e;
          const why = t.found ? notATraceReason(e) : undefined;
          if (why !== undefined) {
            notTraces.push(t.name);
            warn(io, `ntmaldetect scan: skipped ${t.name}: not a trace (${why})`);
            continue;
          }
          const msg = (e as Error).message;
          if (isNtmdError(e)) report(t.name, e.code, msg);
          else report(t.name, 'TRACE_UNREADABLE', `cannot read (${(e as NodeJS.ErrnoException).code})`);
          continue;
        }
        if (v.malicious) malicious++;
        if (v.insufficient) insufficient++;
        if (v.unfamiliar) unfamiliar++;
        if (json) println(io.stdout, JSON.stringify(jsonVerdict(t.name, v)));
        else {
          // No decision, no votes: the table shows the share of known n-grams instead.
          const cells = memberNames.map((_, i) => {
            const m = v.members[i];
            return pad(m === undefined ? (i === 0 ? knownCell(v) : '') : `${signed(m.score)} ${m.malicious ? 'M' : 'b'}`, colW[i]);
          });
          println(io.stdout, `${pad(t.name, width)}  ${pad(verdictLabel(v), 12)}  ${cells.join('  ')}  ${v.calls}`);
        }
        if (v.reason && !json) println(io.stderr, `ntmaldetect scan: ${t.name}: ${v.verdict}: ${v.reason}`);
        if (v.warning) warn(io, `ntmaldetect scan: warning: ${t.name}: ${v.warning}`);
      }
      const judged = targets.length - failed - notTraces.length;
      const skippedCount = skipped.length + notTraces.length;
      println(
        io.stderr,
        `${judged} trace${judged === 1 ? '' : 's'} judged (policy ${settings.policy}): ${malicious} malicious, ` +
          `${judged - malicious - insufficient - unfamiliar} benign, ${unfamiliar} unfamiliar, ${insufficient} insufficient; ` +
          `${refused} refused, ${failed - refused} error${failed - refused === 1 ? '' : 's'}; ${skippedCount} file${skippedCount === 1 ? '' : 's'} skipped ` +
          `(${skipped.length} empty, ${notTraces.length} not traces)`,
      );
      return verdictExitCode({ malicious, failed, undecided: unfamiliar + insufficient }, values['unfamiliar-ok'] === true);
    } finally {
      await pool?.close();
    }
  },
};

export default command;
