/**
 * `ntmaldetect scan`: the verdict of a model on trace files, folders (recursively) or
 * standard input. Exit code 1 when any trace is malicious, else 2 when any failed, else 0.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command, CliIO, ParsedValues } from '../command.js';
import { UsageError, numberOption, println } from '../command.js';
import { modelFromArgs, modelHelp, modelOptions, pad, policyFromArgs, signed } from '../model-args.js';
import { isNtmdError } from '../../errors.js';
import { CallTable } from '../../tokenize/call-table.js';
import { readTrace } from '../../tokenize/read.js';
import type { Model } from '../../model/model.js';
import type { Verdict, VerdictOptions } from '../../api/verdict.js';
import { verdictOfCalls, verdictSettings } from '../../api/verdict.js';

const help = `Usage: ntmaldetect scan [options] <file|dir|->...

Judges each trace (an NtTrace log or a reduced trace, plain or gzip'd) with the model.
Folders are scanned recursively; '-' reads standard input. Empty files met in a folder
are skipped with a warning; an empty file named on the command line is an error.

Options:
${modelHelp}
  --policy P           any | all | majority | mean (default: the model's own policy)
  --harsh              malicious only if every classifier says so (= --policy all)
  --threshold P        probability threshold of the 'mean' policy (default: the model's)
  --json               one JSON object per trace per line instead of the table

Exit status: 1 if any trace is malicious, else 2 if any trace could not be read
(or on a usage error), else 0.

Examples:
  ntmaldetect scan suspicious.log
  ntmaldetect scan --harsh --json traces/ > verdicts.jsonl
  nttrace app.exe | ntmaldetect scan -`;

interface Target {
  /** As shown: the argument, or the path relative to it for files found in a folder. */
  readonly name: string;
  /** Absolute path, or null for standard input. */
  readonly path: string | null;
  /** Why it cannot be scanned, when known before reading. */
  readonly error?: string;
}

interface Collected {
  /** Files to scan and paths that failed, in argument order. */
  readonly targets: Target[];
  readonly skipped: string[];
}

async function collect(args: string[], cwd: string): Promise<Collected> {
  const targets: Target[] = [];
  const skipped: string[] = [];
  const fail = (name: string, error: string) => targets.push({ name, path: null, error });
  const walk = async (dir: string, shownRoot: string, root: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      const name = join(shownRoot, relative(root, full));
      const info = await stat(full).catch(() => undefined);
      if (info?.isDirectory()) await walk(full, shownRoot, root);
      else if (info?.isFile()) {
        if (info.size === 0) skipped.push(name);
        else targets.push({ name, path: full });
      }
    }
  };
  for (const arg of args) {
    if (arg === '-') {
      targets.push({ name: '-', path: null });
      continue;
    }
    const full = resolve(cwd, arg);
    const info = await stat(full).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error) {
      fail(arg, info.code === 'ENOENT' ? 'no such file or directory' : `cannot read (${info.code ?? info.message})`);
    } else if (info.isDirectory()) {
      const before = targets.length + skipped.length;
      try {
        await walk(full, arg, full);
      } catch (e) {
        fail(arg, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        continue;
      }
      if (targets.length + skipped.length === before) fail(arg, 'the folder holds no trace file');
    } else targets.push({ name: arg, path: full });
  }
  return { targets, skipped };
}

/** The `--json` line of one verdict. */
export function jsonVerdict(file: string, v: Verdict): Record<string, unknown> {
  return {
    file,
    malicious: v.malicious,
    insufficient: v.insufficient,
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
    ...(v.warning !== undefined ? { warning: v.warning } : {}),
    policy: v.policy,
    ...(v.probability !== undefined ? { probability: v.probability } : {}),
    members: v.members.map((m) => ({ name: m.name, malicious: m.malicious, score: m.score, ...(m.probability !== undefined ? { probability: m.probability } : {}) })),
    calls: v.calls,
    ngrams: v.ngrams,
    unknownNgramFraction: v.unknownNgramFraction,
  };
}

function verdictWord(v: Verdict): string {
  return v.insufficient ? 'insufficient' : v.malicious ? 'MALICIOUS' : 'benign';
}

async function judge(t: Target, model: Model, options: VerdictOptions, io: CliIO): Promise<Verdict> {
  const table = new CallTable();
  const read = await readTrace(t.path ?? io.stdin, { table, source: t.name });
  return verdictOfCalls(model, read.calls, table, options);
}

const command: Command = {
  name: 'scan',
  summary: 'judge trace files, folders or standard input with a model',
  help,
  options: {
    ...modelOptions,
    policy: { type: 'string' },
    harsh: { type: 'boolean' },
    threshold: { type: 'string' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  async run(values: ParsedValues, positionals: string[], io: CliIO): Promise<number> {
    if (positionals.length === 0) throw new UsageError('scan: give at least one trace file, folder, or - for standard input');
    if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('scan: standard input (-) can be read only once');
    const policy = policyFromArgs(values);
    const threshold = numberOption(values, 'threshold', { min: 0, max: 1 });
    const json = values.json === true;
    const model = await modelFromArgs(values, io.cwd);
    const options: VerdictOptions = { ...(policy ? { policy } : {}), ...(threshold !== undefined ? { threshold } : {}) };
    const settings = verdictSettings(model, options);
    const { targets, skipped } = await collect(positionals, io.cwd);
    for (const s of skipped) println(io.stderr, `ntmaldetect scan: warning: skipped empty file ${s}`);
    const width = Math.max(4, ...targets.map((t) => t.name.length));
    const memberNames = model.members.map((m) => m.name);
    const colW = memberNames.map((n) => Math.max(n.length, 10));
    if (!json) {
      println(io.stdout, `${pad('FILE', width)}  ${pad('VERDICT', 12)}  ${memberNames.map((n, i) => pad(n, colW[i])).join('  ')}  CALLS`);
    }
    let malicious = 0;
    let failed = 0;
    let insufficient = 0;
    const report = (name: string, error: string): void => {
      failed++;
      if (json) println(io.stdout, JSON.stringify({ file: name, error }));
      else println(io.stdout, `${pad(name, width)}  ${pad('ERROR', 12)}  ${error}`);
    };
    for (const t of targets) {
      if (t.error !== undefined) {
        report(t.name, t.error);
        continue;
      }
      let v: Verdict;
      try {
        v = await judge(t, model, options, io);
      } catch (e) {
        if (!isNtmdError(e) && !(e as NodeJS.ErrnoException).code) throw e;
        const msg = (e as Error).message;
        report(t.name, isNtmdError(e) ? msg : `cannot read (${(e as NodeJS.ErrnoException).code})`);
        continue;
      }
      if (v.malicious) malicious++;
      if (v.insufficient) insufficient++;
      if (json) println(io.stdout, JSON.stringify(jsonVerdict(t.name, v)));
      else {
        const cells = v.members.map((m, i) => pad(`${signed(m.score)} ${m.malicious ? 'M' : 'b'}`, colW[i]));
        println(io.stdout, `${pad(t.name, width)}  ${pad(verdictWord(v), 12)}  ${cells.join('  ')}  ${v.calls}`);
      }
      if (v.warning) println(io.stderr, `ntmaldetect scan: warning: ${t.name}: ${v.warning}`);
    }
    const judged = targets.length - failed;
    println(
      io.stderr,
      `${judged} trace${judged === 1 ? '' : 's'} judged (policy ${settings.policy}): ${malicious} malicious, ${judged - malicious - insufficient} benign, ` +
        `${insufficient} insufficient; ${failed} error${failed === 1 ? '' : 's'}; ${skipped.length} empty file${skipped.length === 1 ? '' : 's'} skipped`,
    );
    return malicious > 0 ? 1 : failed > 0 ? 2 : 0;
  },
};

export default command;
