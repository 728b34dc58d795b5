/**
 * `ntmaldetect reduce`: prints the reduced trace (one call name per line) of NtTrace logs,
 * the format of NtMalDetect's corpus.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import type { Command, CliIO, ParsedValues } from '../command.js';
import { UsageError, println, stringOption, warn } from '../command.js';
import { CallTable } from '../../tokenize/call-table.js';
import { readTrace, readTraceFileSync } from '../../tokenize/read.js';
import { reduceToText } from '../../tokenize/reduce.js';
import { readWarnings } from '../read-warnings.js';
import { checkOutputDir, checkOutputFile } from '../paths.js';
import type { LineStats, ReadOptions, TraceFormat, TraceRead } from '../../tokenize/types.js';
import { assertNtCalls } from '../../api/familiarity.js';
import { collectTargets, notATraceReason } from '../targets.js';
import type { Target } from '../targets.js';

const help = `Usage: ntmaldetect reduce [options] <file|dir|pattern|->...

Prints the reduced trace of each input: the name of every system call, one per line, in
call order (NtMalDetect's corpus format). Inputs are NtTrace logs or reduced traces, plain or
gzip'd; '-' reads standard input. Several inputs are printed one after the other. Folders
are read recursively and quoted patterns ('raw/*.log') are expanded; a file met there that
is not a trace (empty, no call line, or lines that are not NT calls) is skipped with a
warning, while a file named on the command line that is not a trace is an error.

Options:
  --format raw|reduced|auto  input format (default: auto, detected from the first lines)
  --out, -o FILE             write the reduced trace of the one input to FILE (replaced
                             only once the whole input was read) instead of printing
  --out-dir DIR              write one file per input instead of printing: DIR/<file name>,
                             or DIR/<path under the folder> for files found in a folder
  --stats                    print the line-kind counts of each input on standard error
  --recover-embedded         also count calls written after program output on the same line

Examples:
  ntmaldetect reduce LOG_app.exe.txt > app.txt
  ntmaldetect reduce -o app.txt LOG_app.exe.txt
  ntmaldetect reduce --out-dir sysMAL raw/*.txt
  ntmaldetect reduce --stats --format raw trace.log.gz`;

function formatOption(values: ParsedValues): TraceFormat | 'auto' {
  const f = stringOption(values, 'format') ?? 'auto';
  if (f !== 'raw' && f !== 'reduced' && f !== 'auto')
    throw new UsageError(`--format must be raw, reduced or auto, got ${JSON.stringify(f)}`);
  return f;
}

/** One line of `--stats`. */
export function statsLine(name: string, format: TraceFormat, st: LineStats): string {
  return (
    `${name}: ${format}, ${st.lines} lines: ${st.calls} calls, ${st.preCalls} pre-calls, ${st.embeddedCalls} embedded calls, ` +
    `${st.events} events, ${st.programOutput} program output, ${st.unparseable} unparseable, ${st.cutCalls} cut, ${st.blank} blank`
  );
}

async function write(stream: NodeJS.WritableStream, data: Uint8Array): Promise<void> {
  if (!stream.write(data)) await new Promise<void>((done) => stream.once('drain', () => done()));
}

const command: Command = {
  name: 'reduce',
  help,
  options: {
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'out-dir': { type: 'string' },
    stats: { type: 'boolean' },
    'recover-embedded': { type: 'boolean' },
  },
  allowPositionals: true,
  async run(values: ParsedValues, positionals: string[], io: CliIO): Promise<number> {
    if (positionals.length === 0) throw new UsageError('reduce: give at least one trace file, folder (or - for standard input)');
    const format = formatOption(values);
    const outDir = stringOption(values, 'out-dir');
    const outFile = stringOption(values, 'out');
    if (outFile !== undefined && outDir !== undefined) throw new UsageError('reduce: give --out FILE or --out-dir DIR, not both');
    const showStats = values.stats === true;
    const stdinCount = positionals.filter((p) => p === '-').length;
    if (stdinCount > 1) throw new UsageError('reduce: standard input (-) can be read only once');
    if (outDir !== undefined && stdinCount > 0) throw new UsageError('reduce: --out-dir needs file inputs to name the outputs, not -');
    const { targets, emptySkipped } = await collectTargets(positionals, io.cwd);
    const failed = targets.find((t) => t.error !== undefined);
    if (failed !== undefined) throw new UsageError(`reduce: ${failed.name}: ${failed.error}`);
    if (outFile !== undefined && targets.length !== 1) {
      throw new UsageError(`reduce: --out FILE takes one input (${targets.length} found): use --out-dir DIR for several`);
    }
    // Named files keep their name in --out-dir; files found in a folder keep their path under it.
    const outName = (t: Target): string => (t.found ? t.relative : basename(t.name));
    if (outDir !== undefined) {
      const names = targets.map(outName);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) throw new UsageError(`reduce: two inputs named ${dup} would write the same file in --out-dir`);
      await mkdir(checkOutputDir(outDir, io.cwd, '--out-dir'), { recursive: true });
    }
    if (outFile !== undefined) checkOutputFile(outFile, io.cwd, '--out');
    for (const s of emptySkipped) warn(io, `ntmaldetect reduce: warning: skipped empty file ${s}`);
    for (const t of targets) {
      // One table per input: the output is names, so ids need not be shared.
      const options: ReadOptions = {
        format,
        table: new CallTable(),
        source: t.path === null ? 'standard input' : t.name,
        recoverEmbedded: values['recover-embedded'] === true,
      };
      let read: TraceRead;
      try {
        // A file is read synchronously through one reused buffer (the fastest path); standard input streams.
        read = t.path !== null ? readTraceFileSync(t.path, options) : await readTrace(io.stdin, options);
        // The content rule of scan without a model: at least half NT calls.
        if (t.found) assertNtCalls(read.calls, read.table, { source: t.name, lines: read.stats.lines });
      } catch (e) {
        const why = t.found ? notATraceReason(e) : undefined;
        if (why === undefined) throw e;
        warn(io, `ntmaldetect reduce: skipped ${t.name}: not a trace (${why})`);
        continue;
      }
      const text = reduceToText(read.calls, read.table);
      if (outFile !== undefined) {
        // A failed run leaves no half file, and an earlier one as it was.
        try {
          await writeFileAtomic(resolve(io.cwd, outFile), text);
        } catch (e) {
          throw new UsageError(`reduce: cannot write ${outFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      } else if (outDir !== undefined) {
        const target = join(resolve(io.cwd, outDir), outName(t));
        await mkdir(dirname(target), { recursive: true });
        const out = createWriteStream(target);
        await new Promise<void>((done, fail) => {
          out.on('error', fail);
          out.end(text, () => done());
        });
      } else {
        await write(io.stdout, text);
      }
      if (showStats) println(io.stderr, statsLine(t.name, read.format, read.stats));
      for (const w of readWarnings(read)) warn(io, `ntmaldetect reduce: warning: ${t.name}: ${w}`);
    }
    return 0;
  },
};

export default command;
