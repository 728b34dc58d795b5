/** Runs the CLI in process with captured output, for tests. */
import { PassThrough } from 'node:stream';
import { runCli } from '../src/cli/main.js';

/** What one CLI run printed and its exit code. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `ntmaldetect ...args` in process (empty environment, no stdin) in `cwd`. */
export async function runCliCaptured(args: string[], cwd: string = process.cwd()): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(args, { stdout, stderr, stdin: new PassThrough(), env: {}, cwd });
  return { code, out, err };
}

/** Options of {@link runCliWith}. */
export interface CliOptions {
  /** Working folder (default: this process's). */
  cwd?: string;
  /** The CLI's environment (default: none). */
  env?: Record<string, string | undefined>;
  /** Called each time standard output arrives: the new text, and all of it so far. */
  onOut?: (chunk: string, stdoutSoFar: string) => void;
  /** What the CLI reads on standard input (default: nothing). */
  stdin?: string | Uint8Array;
}

/** Runs `ntmaldetect ...args` in process (stdin: `options.stdin`, else none); its exit code and both outputs. */
export async function runCliWith(args: string[], options: CliOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (b: Buffer) => {
    o.push(b);
    options.onOut?.(b.toString('utf8'), Buffer.concat(o).toString('utf8'));
  });
  err.on('data', (b: Buffer) => e.push(b));
  const code = await runCli(args, {
    stdout: out,
    stderr: err,
    stdin: new PassThrough().end(options.stdin ?? ''),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout: Buffer.concat(o).toString('utf8'), stderr: Buffer.concat(e).toString('utf8') };
}
