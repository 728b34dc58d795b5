/**
 * One progress line on stderr for long commands (train, bench, store import, reassess).
 *
 * On a terminal the line is rewritten in place (`\r`), at most once per `intervalMs` within
 * a phase, shows done/total and the elapsed time, and is cleared at the end. When stderr is
 * not a terminal (piped, redirected), with `--json` or `--quiet`, nothing is written, so
 * scripts and logs see only results. The library reports progress through plain callbacks;
 * this module is the only place that turns them into terminal output.
 */
import type { CliIO, ParsedValues } from './command.js';

/** One progress report: a phase, how much of it is done, and an optional detail. */
export interface ProgressUpdate {
  /** What is being done, e.g. `reading`, `fitting`, `fold`, `import`. */
  phase: string;
  done: number;
  total: number;
  /** A short detail after the counts (a member's name, MB read). */
  detail?: string;
}

/** Options of {@link progressLine}. */
export interface ProgressLineOptions {
  /** Write nothing (the command prints JSON, or `--quiet`). */
  silent?: boolean;
  /**
   * When stderr is not a terminal, write plain lines (`progress ...`, one per update, same
   * throttling) instead of nothing: `store import --progress`.
   */
  lines?: boolean;
  /** Least time between two writes within one phase (default 100 ms: at most 10 per second). */
  intervalMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** A progress line bound to a command's stderr. */
export interface ProgressLine {
  /** Whether anything will be written. */
  readonly enabled: boolean;
  /** Reports progress; written now unless throttled (a new phase and done === total always are). */
  update(p: ProgressUpdate): void;
  /** Erases the line (before other output on stderr, and at the end); idempotent. */
  clear(): void;
}

const NOOP: ProgressLine = { enabled: false, update() {}, clear() {} };

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
}

/** The text of one update (without `\r` or newline). */
export function progressText(p: ProgressUpdate, elapsedMs: number): string {
  return `${p.phase} ${p.done}/${p.total}${p.detail ? ` ${p.detail}` : ''}  ${seconds(elapsedMs)}`;
}

/**
 * A progress line on `io.stderr`: in place on a terminal, plain lines with `lines` when not,
 * else (and whenever `silent`) nothing.
 */
export function progressLine(io: Pick<CliIO, 'stderr'>, options: ProgressLineOptions = {}): ProgressLine {
  const stream = io.stderr as CliIO['stderr'] & { columns?: number };
  const tty = stream.isTTY === true;
  if (options.silent === true || (!tty && options.lines !== true)) return NOOP;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const started = now();
  let last = -Infinity;
  let lastPhase: string | undefined;
  let shown = 0; // characters on the terminal line now
  return {
    enabled: true,
    update(p) {
      const t = now();
      const phaseChange = p.phase !== lastPhase;
      if (!phaseChange && p.done < p.total && t - last < interval) return;
      last = t;
      lastPhase = p.phase;
      const text = progressText(p, t - started);
      if (!tty) {
        stream.write(`progress ${text}\n`);
        return;
      }
      // Never wider than the terminal: a wrapped line cannot be rewritten with \r.
      // (A terminal of unknown size reports 0 columns: take 80.)
      const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
      const width = Math.max(20, columns - 1);
      const line = text.length > width ? text.slice(0, width) : text;
      stream.write(`\r${line}${' '.repeat(Math.max(0, shown - line.length))}`);
      shown = line.length;
    },
    clear() {
      if (!tty || shown === 0) return;
      stream.write(`\r${' '.repeat(shown)}\r`);
      shown = 0;
    },
  };
}

/** The progress line of a command: silent with its `--json` and with the global `--quiet`. */
export function commandProgress(
  io: Pick<CliIO, 'stderr' | 'quiet'>,
  values: ParsedValues,
  options: Omit<ProgressLineOptions, 'silent'> = {},
): ProgressLine {
  return progressLine(io, { ...options, silent: values.json === true || io.quiet === true });
}
