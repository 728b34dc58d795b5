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
