/**
 * `ntmaldetect worker`: traces programs submitted to a server (see docs/api.md).
 */
import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';
import { durationOption as duration } from '../duration.js';
import { readFailure } from '../paths.js';
import { modelFromArgs } from '../model-args.js';

const help = `Usage: ntmaldetect worker --server URL [--token-file F] [options]

On a Windows machine with NtTrace: claims programs queued on the server (POST
/v1/programs), runs each under NtTrace with a time limit, posts the trace back, and
repeats. A claim expires if the worker dies; the program is then traced by another
claim, and a late post of the expired claim is refused, so each program is traced once.
Run it in a disposable VM: it executes the submitted programs.

The traced program gets a minimal environment: on Windows SystemRoot, windir, TEMP, TMP,
PATH, PATHEXT, ComSpec, ProgramFiles... ; on Linux (NtTrace under Wine) PATH, HOME, LANG,
WINEPREFIX, WINEDEBUG, DISPLAY, XDG_CACHE_HOME... (docs/cli.md lists them), plus the
names given with --pass-env. The token never reaches NtTrace or the program. Before the
first claim NtTrace is resolved (a relative --nttrace against this folder) and started
once; a fault of the worker's own found before a program runs (NtTrace gone, the job
folder not writable) gives the claim back and stops the worker with exit code 2.

Options:
  --server URL        the server, e.g. https://10.0.0.5:8735 (http:// only to this machine,
                      unless --insecure-http)
  --token-file F      read the worker token from file F (first line; preferred)
  --token T           a token with the worker scope (default: $NTMD_TOKEN, which the worker
                      removes from its environment once read; command lines are visible
                      to other users: prefer --token-file)
  --ca FILE           PEM certificate(s) of a private CA: the only ones trusted for https
  --insecure-http     allow plain http:// to another machine (token and programs in clear)
  --pass-env NAME     give the traced program this environment variable too (repeatable;
                      NTMD_* names are refused)
  --max-program-size N  largest program accepted in a claim, in bytes (default 134217728)
  --run-as USER       Linux/POSIX: run NtTrace and the program as this unprivileged
                      account (the worker must run as root); not on Windows, see
                      docs/security.md
  --nttrace PATH      NtTrace executable (default: $NTTRACE, else the PATH)
  --nttrace-arg=A     extra NtTrace option, repeatable (e.g. --nttrace-arg=-only)
  --model F           model for the live verdicts in the log (default: the shipped model)
  --name N            worker name sent with claims; a worker token is bound to one
                      name and refuses others (default: send none, the server
                      records the token's bound name)
  --time-limit D      trace each program at most this long (default and cap: the server's)
  --poll D            wait between claims when the queue is empty (default 5s)
  --once              stop when the queue is empty
  --max-jobs N        stop after N programs

Examples:
  ntmaldetect worker --server https://10.0.0.5:8735 --ca C:\\ntmd\\ca.pem --token-file C:\\ntmd\\token --nttrace C:\\tools\\NtTrace.exe`;

/** Reads the token: --token-file, else --token, else NTMD_TOKEN (then removed from the environment). */
function readToken(values: Parameters<Command['run']>[0], env: Record<string, string | undefined>): string {
  const file = stringOption(values, 'token-file');
  const given = stringOption(values, 'token');
  if (file !== undefined && given !== undefined) throw new UsageError('give the token with --token-file or --token, not both');
  let token: string | undefined;
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8').split(/\r?\n/)[0].trim();
    } catch (e) {
      throw new UsageError(`--token-file ${file}: cannot read it: ${readFailure(e)}`);
    }
    if (!token) throw new UsageError(`--token-file ${file}: the file's first line is empty`);
  } else token = given ?? env.NTMD_TOKEN;
  // Read once; gone from the environment every child would otherwise inherit.
  delete env.NTMD_TOKEN;
  delete process.env.NTMD_TOKEN;
  if (!token) throw new UsageError('worker needs a token with the worker scope: --token-file, --token or NTMD_TOKEN');
  return token;
}

const command: Command = {
  name: 'worker',
  help,
  allowPositionals: false,
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    ca: { type: 'string' },
    'insecure-http': { type: 'boolean' },
    'pass-env': { type: 'string', multiple: true },
    'max-program-size': { type: 'string' },
    'run-as': { type: 'string' },
    nttrace: { type: 'string' },
    'nttrace-arg': { type: 'string', multiple: true },
    model: { type: 'string' },
    name: { type: 'string' },
    'time-limit': { type: 'string' },
    poll: { type: 'string' },
    once: { type: 'boolean' },
    'max-jobs': { type: 'string' },
  },
  async run(values, _positionals, io) {
    const server = stringOption(values, 'server');
    if (!server || !/^https?:\/\/[^\s/]+/.test(server)) throw new UsageError('worker needs --server http(s)://host:port');
    const token = readToken(values, io.env);
    const caFile = stringOption(values, 'ca');
    let ca: Buffer | undefined;
    if (caFile !== undefined) {
      try {
        ca = readFileSync(caFile);
      } catch (e) {
        throw new UsageError(`--ca ${caFile}: cannot read it: ${readFailure(e)}`);
      }
      if (!/-----BEGIN CERTIFICATE-----/.test(ca.toString('latin1'))) throw new UsageError(`--ca ${caFile}: not a PEM certificate file`);
    }
    const passEnv = values['pass-env'];
    const extra = values['nttrace-arg'];
    // --model F: loaded once, before the first claim (a bad file stops the worker at once).
    const model = values.model === undefined ? undefined : await modelFromArgs(values, io.cwd);
    const { runWorker } = await import('../../server/worker.js');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const summary = await runWorker({
        server,
        token,
        name: stringOption(values, 'name'),
        nttrace: stringOption(values, 'nttrace'),
        nttraceArgs: Array.isArray(extra) ? extra.map(String) : undefined,
        passEnv: Array.isArray(passEnv) ? passEnv.map(String) : undefined,
        ca,
        insecureHttp: values['insecure-http'] === true,
        maxProgramBytes: numberOption(values, 'max-program-size', { min: 1, integer: true }),
        runAs: stringOption(values, 'run-as'),
        model,
        timeLimitMs: duration(values, 'time-limit'),
        pollMs: duration(values, 'poll'),
        once: values.once === true,
        maxJobs: numberOption(values, 'max-jobs', { min: 1, integer: true }),
        signal: stop.signal,
        env: io.env,
        onEvent(e) {
          const at = new Date().toISOString();
          if (e.type === 'claimed') println(io.stdout, `${at} claimed ${e.sha256} (${e.name}), tracing for at most ${e.timeLimitMs} ms`);
          else if (e.type === 'traced')
            println(io.stdout, `${at} traced ${e.sha256}: ${e.calls} calls in ${Math.round(e.elapsedMs)} ms (${e.ended})`);
          else if (e.type === 'posted')
            println(
              io.stdout,
              `${at} posted ${e.sha256}: ${e.program.status}${e.program.trace ? `, ${e.program.trace.verdict.verdict ?? (e.program.trace.verdict.malicious ? 'malicious' : 'benign')}` : ''}`,
            );
          else if (e.type === 'failed') println(io.stderr, `${at} failed ${e.sha256}: ${e.error}`);
          else if (e.type === 'released') println(io.stderr, `${at} pre-flight failed on ${e.sha256}: ${e.error} (claim ${e.outcome})`);
          else if (e.type === 'lost') println(io.stderr, `${at} lost the claim on ${e.sha256} (expired): the trace was not stored`);
        },
      });
      println(io.stdout, `worker done: ${summary.posted} posted, ${summary.failed} failed, ${summary.lost} lost claims`);
      return summary.failed > 0 ? 1 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

export default command;
