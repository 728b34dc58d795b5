/**
 * `ntmaldetect store`: the trace store from the command line (init, import, export, stats,
 * label, delete, retention). The store module is loaded only when this command runs.
 */
import type { CliIO, Command, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';
import type { ProgressLine } from '../progress.js';
import { commandProgress, progressLine } from '../progress.js';
import { existsSync } from 'node:fs';
import { resolve as pathResolve } from 'node:path';
import type { CorpusFilter, ImportProgress, ImportReport, Store, StoreStats } from '../../store/index.js';
import { InputPathError, checkInputDir, checkOutputDir } from '../paths.js';
import { threadsFromArgs, threadsOption } from '../threads-args.js';

const ACTIONS = ['init', 'import', 'export', 'stats', 'label', 'delete', 'retention', 'check'] as const;
type Action = (typeof ACTIONS)[number];

const help = `Usage: ntmaldetect store <action> [options]

Keeps every trace with its label history and provenance in PostgreSQL: an embedded
PGlite store in a folder by default, or a PostgreSQL server.

Actions:
  init                       create the store, or upgrade its schema; print where it is
  import [FOLDER]            import a folder in the NtMalDetect layout (sysBEN/ benign,
                             sysMAL/ malicious) or --benign/--malicious folders or files;
                             reduced traces and raw NtTrace logs; empty files and
                             duplicates are reported; one transaction per batch
  export DIR                 write the traces back in the NtMalDetect layout, each file
                             byte for byte as imported (checked against its SHA-256)
  stats                      counts by label and source, duplicates, sizes
  label REF [LABEL]          show a trace's label history, or relabel it
                             (LABEL: benign|malicious); history is kept
  delete REF                 delete a trace (REF a SHA-256 or prefix) or the submissions
                             of a file name (and their trace if no other file holds it)
  retention [DAYS|off]       show or set how long raw logs are kept
  check                      verify every stored trace against its SHA-256 (exit 1 on
                             any problem)

REF is a SHA-256 of a trace or of a submitted file (8+ hex digits suffice when unique),
or a submitted file name such as LOG_epo.exe.txt or sysBEN/LOG_epo.exe.txt.

Options:
  --db PATH|URL              store folder (embedded) or postgres://user:pass@host/db;
                             default $NTMD_DATABASE_URL, else
                             $XDG_DATA_HOME/ntmaldetect/store
  --benign PATH              (import) benign folder or file; repeatable
  --malicious PATH           (import) malicious folder or file; repeatable
  --source NAME              (import) source tag; (export) only this source, repeatable
  --submitter NAME           (import) submitter recorded in the provenance
  --no-raw                   (import) do not keep raw NtTrace logs, only their calls
  --batch N                  (import) files per transaction (default 32)
  --threads N|auto           (import) threads that parse the files (default auto: more
                             than one for large imports, on idle cores; 1: one thread)
  --progress                 (import) progress lines even when stderr is not a terminal
  --label LABEL              (export) only this label, repeatable
  --snapshot ID              (export) exactly the documents of a corpus snapshot
  --since TIME, --until TIME (export) submissions in this time range (ISO 8601)
  --unique                   (export) one file per distinct trace
  --reduced                  (export) write reduced call names even for raw logs
  --overwrite                (export) replace existing files
  --reason TEXT              (label) why the label changed
  --raw-only                 (delete) delete only the raw logs
  --json                     print the result as JSON

Exit status: 0 done, 1 import finished but some files could not be stored (or check
found problems), 2 error.

Examples:
  ntmaldetect store import ../NtMalDetect
  ntmaldetect store import --benign traces/ok --malicious traces/bad --db postgres://localhost/ntmd
  ntmaldetect store export out/ && ntmaldetect store stats
  ntmaldetect store label LOG_netsky.exe.txt malicious --reason "known worm"`;

const MB = 1e6;
const mb = (n: number): string => (n / MB).toFixed(1);

function listOption(values: ParsedValues, name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => {
    if (typeof x !== 'string') throw new UsageError(`--${name} needs a value`);
    return x;
  });
}

/** Import progress: the shared progress line, plain lines with --progress when not a terminal. */
function importProgress(progress: ProgressLine): ((p: ImportProgress) => void) | undefined {
  if (!progress.enabled) return undefined;
  return (p) => progress.update({ phase: 'import', done: p.done, total: p.total, detail: `files ${mb(p.bytes)}/${mb(p.totalBytes)} MB` });
}

function printImport(io: CliIO, store: Store, r: ImportReport): void {
  const out = io.stdout;
  println(
    out,
    `imported ${r.files} files (${mb(r.bytes)} MB) in ${(r.elapsedMs / 1000).toFixed(2)} s into ${store.location} (${store.backend})`,
  );
  println(out, `  new: ${r.submissions} submissions, ${r.traces} distinct traces, ${r.rawLogs} raw logs`);
  println(out, `  duplicates of a stored trace: ${r.duplicates.length}; already stored: ${r.alreadyStored.length}`);
  println(out, `  empty files (recorded, not traces): ${r.empty.length}`);
  for (const n of r.empty) println(out, `    ${n}`);
  for (const c of r.labelConflicts) {
    println(
      out,
      `  label conflict: ${c.name} says ${c.label}, its trace ${c.traceSha256.slice(0, 12)} is ${c.storedLabel} (kept; use 'store label')`,
    );
  }
  if (r.expiredRawLogs > 0) println(out, `  raw logs removed by retention: ${r.expiredRawLogs}`);
  println(out, `  failed: ${r.failed.length}`);
  for (const f of r.failed) println(out, `    ${f.name}: ${f.message}`);
}

function printStats(io: CliIO, s: StoreStats): void {
  const out = io.stdout;
  println(out, `store ${s.location} (${s.backend}, schema ${s.schemaVersion})`);
  println(
    out,
    `submissions ${s.submissions} (empty ${s.emptySubmissions}), distinct traces ${s.traces}, duplicate files ${s.duplicateSubmissions}, calls ${s.calls}`,
  );
  println(out, 'label      submissions  traces  empty');
  for (const [name, c] of Object.entries(s.byLabel)) {
    println(
      out,
      `${name.padEnd(10)} ${String(c.submissions).padStart(11)}  ${String(c.traces).padStart(6)}  ${String(c.empty).padStart(5)}`,
    );
  }
  println(out, 'source     submissions  traces  empty');
  for (const c of s.bySource) {
    println(
      out,
      `${c.source.padEnd(10)} ${String(c.submissions).padStart(11)}  ${String(c.traces).padStart(6)}  ${String(c.empty).padStart(5)}`,
    );
  }
  if (s.duplicateGroups.length > 0) {
    println(out, `traces submitted more than once: ${s.duplicateGroups.length}`);
    for (const g of s.duplicateGroups) println(out, `  ${g.traceSha256.slice(0, 12)}  ${g.names.join(', ')}`);
  }
  println(
    out,
    `relabelled traces ${s.relabelledTraces}; raw logs ${s.rawLogs} (retention ${s.rawLogRetentionDays === null ? 'forever' : `${s.rawLogRetentionDays} days`})`,
  );
  println(
    out,
    `bytes: files ${mb(s.fileBytes)} MB, stored sequences ${mb(s.storedBytes.sequences)} MB, originals ${mb(s.storedBytes.originals)} MB, raw logs ${mb(s.storedBytes.rawLogs)} MB`,
  );
  println(out, `snapshots ${s.snapshots}, models ${s.models}, evaluations ${s.evaluations}`);
}

function exportFilter(values: ParsedValues): CorpusFilter {
  const filter: CorpusFilter = {};
  const labels = listOption(values, 'label');
  if (labels.length) filter.labels = labels as CorpusFilter['labels'];
  const sources = listOption(values, 'source');
  if (sources.length) filter.sources = sources;
  const snapshot = stringOption(values, 'snapshot');
  if (snapshot !== undefined) filter.snapshot = snapshot;
  const since = stringOption(values, 'since');
  if (since !== undefined) filter.since = since;
  const until = stringOption(values, 'until');
  if (until !== undefined) filter.until = until;
  if (values.unique === true) filter.unique = true;
  return filter;
}

const ONLY: Record<string, Action[]> = {
  benign: ['import'],
  malicious: ['import'],
  submitter: ['import'],
  'no-raw': ['import'],
  batch: ['import'],
  threads: ['import'],
  progress: ['import'],
  source: ['import', 'export'],
  label: ['export'],
  snapshot: ['export'],
  since: ['export'],
  until: ['export'],
  unique: ['export'],
  reduced: ['export'],
  overwrite: ['export'],
  reason: ['label'],
  'raw-only': ['delete'],
};

const command: Command = {
  name: 'store',
  help,
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    benign: { type: 'string', multiple: true },
    malicious: { type: 'string', multiple: true },
    source: { type: 'string', multiple: true },
    submitter: { type: 'string' },
    'no-raw': { type: 'boolean' },
    batch: { type: 'string' },
    ...threadsOption,
    progress: { type: 'boolean' },
    label: { type: 'string', multiple: true },
    snapshot: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    unique: { type: 'boolean' },
    reduced: { type: 'boolean' },
    overwrite: { type: 'boolean' },
    reason: { type: 'string' },
    'raw-only': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [actionWord, ...args] = positionals;
    if (actionWord === undefined) throw new UsageError(`store: give an action: ${ACTIONS.join(', ')}`);
    if (!(ACTIONS as readonly string[]).includes(actionWord)) {
      throw new UsageError(`store: unknown action ${JSON.stringify(actionWord)}; expected one of ${ACTIONS.join(', ')}`);
    }
    const action = actionWord as Action;
    for (const [opt, actions] of Object.entries(ONLY)) {
      if (values[opt] !== undefined && !actions.includes(action))
        throw new UsageError(`store ${action}: --${opt} applies to store ${actions.join('/')} only`);
    }
    const maxArgs: Record<Action, number> = { init: 0, import: 1, export: 1, stats: 0, label: 2, delete: 1, retention: 1, check: 0 };
    if (args.length > maxArgs[action])
      throw new UsageError(`store ${action}: unexpected argument ${JSON.stringify(args[maxArgs[action]])}`);
    const json = values.json === true;
    const batch = numberOption(values, 'batch', { min: 1, integer: true });
    const threads = threadsFromArgs(values);
    const db = stringOption(values, 'db');

    // Check the arguments before opening (and maybe creating) a store.
    const benign = listOption(values, 'benign');
    const malicious = listOption(values, 'malicious');
    if (action === 'import') {
      if (args.length === 1 && (benign.length || malicious.length))
        throw new UsageError('store import: give a FOLDER or --benign/--malicious, not both');
      if (args.length === 0 && !benign.length && !malicious.length)
        throw new UsageError('store import: give a FOLDER in the NtMalDetect layout, or --benign/--malicious');
      if (listOption(values, 'source').length > 1) throw new UsageError('store import: --source given more than once');
    }
    if ((action === 'export' || action === 'delete') && args.length === 0)
      throw new UsageError(`store ${action}: give ${action === 'export' ? 'a folder' : 'a REF'}`);
    if (action === 'label' && args.length === 0) throw new UsageError('store label: give a REF (and a label to change it)');
    let retention: number | null | undefined;
    if (action === 'retention' && args.length === 1) {
      const d = args[0] === 'off' ? null : Number(args[0]);
      if (d !== null && (!Number.isFinite(d) || d < 0))
        throw new UsageError(`store retention: expected a number of days or 'off', got ${JSON.stringify(args[0])}`);
      retention = d;
    }

    // The paths before the store is opened (and perhaps created).
    if (action === 'import' && args.length === 1) checkInputDir(args[0], io.cwd, 'store import');
    if (action === 'import') {
      for (const [opt, list] of [
        ['--benign', benign],
        ['--malicious', malicious],
      ] as const) {
        for (const p of list) if (!existsSync(pathResolve(io.cwd, p))) throw new InputPathError(opt, p, 'no such file or folder');
      }
    }
    if (action === 'export') checkOutputDir(args[0], io.cwd, 'store export');
    const { openStore, parseLabel } = await import('../../store/index.js');
    const labelArg = action === 'label' && args[1] !== undefined ? parseLabel(args[1], 'LABEL') : undefined;
    const store = await openStore({ db, env: io.env });
    const abs = (p: string): string => pathResolve(io.cwd, p);
    try {
      switch (action) {
        case 'init': {
          const version = await store.schemaVersion();
          if (json) println(io.stdout, JSON.stringify({ backend: store.backend, location: store.location, schemaVersion: version }));
          else println(io.stdout, `store ready at ${store.location} (${store.backend}, schema version ${version})`);
          return 0;
        }
        case 'import': {
          const input = args.length === 1 ? abs(args[0]) : { benign: benign.map(abs), malicious: malicious.map(abs) };
          // --progress asks for progress even when piped or with --json.
          const progress = values.progress === true ? progressLine(io, { lines: true }) : commandProgress(io, values);
          const report = await store
            .import(input, {
              source: listOption(values, 'source')[0],
              submitter: stringOption(values, 'submitter'),
              keepRaw: values['no-raw'] !== true,
              batchSize: batch,
              ...(threads !== undefined ? { threads } : {}),
              onProgress: importProgress(progress),
            })
            .finally(() => progress.clear());
          if (json) println(io.stdout, JSON.stringify(report));
          else printImport(io, store, report);
          return report.failed.length > 0 ? 1 : 0;
        }
        case 'export': {
          const report = await store.export(abs(args[0]), {
            filter: exportFilter(values),
            reduced: values.reduced === true,
            overwrite: values.overwrite === true,
          });
          if (json) println(io.stdout, JSON.stringify(report));
          else {
            println(io.stdout, `exported ${report.files} files (${mb(report.bytes)} MB) to ${abs(args[0])}`);
            for (const r of report.renamed) println(io.stdout, `  ${r.name} written as ${r.writtenAs} (name taken)`);
            for (const r of report.reducedInstead) println(io.stdout, `  ${r}: raw log not kept, wrote its reduced calls`);
          }
          return 0;
        }
        case 'stats': {
          const s = await store.stats();
          if (json) println(io.stdout, JSON.stringify(s));
          else printStats(io, s);
          return 0;
        }
        case 'label': {
          if (labelArg === undefined) {
            const history = await store.labelHistory(args[0]);
            if (json) println(io.stdout, JSON.stringify(history));
            else {
              for (const e of history) {
                println(
                  io.stdout,
                  `${e.traceSha256.slice(0, 12)}  ${e.at.toISOString()}  ${e.label.padEnd(9)}  ${e.source}${e.reason ? `: ${e.reason}` : ''}`,
                );
              }
            }
            return 0;
          }
          const changes = await store.label(args[0], labelArg, { reason: stringOption(values, 'reason'), source: 'cli' });
          if (json) println(io.stdout, JSON.stringify(changes));
          else {
            for (const c of changes) {
              println(
                io.stdout,
                `${c.traceSha256.slice(0, 12)} (${c.names.join(', ')}): ${c.changed ? `${c.from} -> ${c.to}` : `already ${c.to}`}`,
              );
            }
          }
          return 0;
        }
        case 'delete': {
          const r = await store.delete(args[0], { rawOnly: values['raw-only'] === true });
          if (json) println(io.stdout, JSON.stringify(r));
          else println(io.stdout, `deleted ${r.traces} traces, ${r.submissions} submissions, ${r.rawLogs} raw logs`);
          return 0;
        }
        case 'check': {
          const r = await store.verify();
          if (json) println(io.stdout, JSON.stringify(r));
          else {
            println(
              io.stdout,
              `checked ${r.traces} traces and ${r.submissions} submissions: ${r.problems.length === 0 ? 'no problem' : `${r.problems.length} problems`}`,
            );
            for (const p of r.problems) println(io.stdout, `  ${p}`);
          }
          return r.problems.length === 0 ? 0 : 1;
        }
        case 'retention': {
          let removed = 0;
          if (retention !== undefined) removed = await store.setRawLogRetention(retention);
          const days = await store.rawLogRetention();
          if (json) println(io.stdout, JSON.stringify({ days, removed }));
          else
            println(
              io.stdout,
              `raw logs kept ${days === null ? 'forever' : `${days} days`}${removed ? `; removed ${removed} older raw logs` : ''}`,
            );
          return 0;
        }
      }
    } finally {
      await store.close();
    }
  },
};

export default command;
