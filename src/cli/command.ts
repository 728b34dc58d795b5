/**
 * The contract every `ntmaldetect <command>` module fulfils.
 *
 * Commands live one per file in `src/cli/commands/`, each listed with its summary in the
 * command table (`commands.ts`), which `main.ts` reads. Each module's default export is a
 * {@link Command}.
 */
import type { ParseArgsConfig } from 'node:util';
import { NtmdError } from '../errors.js';

/** Where a command reads and writes: the process streams, or buffers in tests. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  /** Environment variables (a copy; commands never mutate `process.env`). */
  env: Record<string, string | undefined>;
  /** Current working directory for relative paths. */
  cwd: string;
  /** Whether `--debug` was given (errors with their stack traces). */
  debug?: boolean;
  /** Whether `--quiet` was given: {@link warn} prints nothing (errors and results still are). */
  quiet?: boolean;
  /**
   * The CLI's entry script when it runs as a program (`dist/bin/main.js`, or `dist/cli/main.js`
   * when started from there); absent when `runCli` is called in process. `serve` runs itself
   * again through it to set V8's flags.
   */
  self?: string;
}

/** Values parsed by `node:util.parseArgs` for a command's options. */
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One sub-command of the CLI. */
export interface Command {
  /** The word after `ntmaldetect`, e.g. `reduce`. */
  readonly name: string;
  /** The full `--help` text of the command (usage line, options, examples). */
  readonly help: string;
  /** Option definitions for `node:util.parseArgs` (strict mode; `--help` is added). */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Whether positional arguments are accepted. */
  readonly allowPositionals: boolean;
  /** Runs the command; resolves to the process exit code. */
  run(values: ParsedValues, positionals: string[], io: CliIO): Promise<number>;
}

/** A command-line usage mistake: printed as one line, exit code 2. */
export class UsageError extends NtmdError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** Reads a string option, or `undefined`. Throws {@link UsageError} for a repeated option. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw new UsageError(`--${name} given more than once`);
  throw new UsageError(`--${name} needs a value`);
}

/** Reads a numeric option, checking it is a finite number in `[min, max]` (and an integer if asked). */
export function numberOption(
  values: ParsedValues,
  name: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const s = stringOption(values, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  const bad =
    s.trim() === '' ||
    !Number.isFinite(n) ||
    (range.integer === true && !Number.isInteger(n)) ||
    (range.min !== undefined && n < range.min) ||
    (range.max !== undefined && n > range.max);
  if (bad) {
    const kind = range.integer ? 'an integer' : 'a number';
    const lo = range.min !== undefined ? ` >= ${range.min}` : '';
    const hi = range.max !== undefined ? `${lo ? ' and' : ''} <= ${range.max}` : '';
    throw new UsageError(`--${name} must be ${kind}${lo}${hi}, got ${JSON.stringify(s)}`);
  }
  return n;
}

/** Writes a line to a stream (adds the newline). */
export function println(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(line + '\n');
}

/**
 * Prints a warning line on standard error, unless `--quiet` was given. Every warning of
 * every command goes through here; errors and results never do.
 */
export function warn(io: Pick<CliIO, 'stderr' | 'quiet'>, line: string): void {
  if (io.quiet !== true) println(io.stderr, line);
}
