/**
 * `ntmaldetect worker`: traces programs submitted to a server (see docs/api.md).
 */
import type { Command } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';
import { durationOption as duration } from '../../server/cli-args.js';

const help = `Usage: ntmaldetect worker --server URL [--token T] [options]

On a Windows machine with NtTrace: claims programs queued on the server (POST
/v1/programs), runs each under NtTrace with a time limit, posts the trace back, and
repeats. A claim expires if the worker dies; the program is then traced by another
claim, and a late post of the expired claim is refused, so each program is traced once.
Run it in a disposable VM: it executes the submitted programs.

Options:
  --server URL        the server, e.g. http://10.0.0.5:8735
  --token T           a token with the worker scope (default: $NTMD_TOKEN; prefer the
                      variable: command lines are visible to other users)
  --nttrace PATH      NtTrace executable (default: $NTTRACE, else the PATH)
  --nttrace-arg=A     extra NtTrace option, repeatable (e.g. --nttrace-arg=-only)
  --model F           model for the live verdicts in the log (default: the shipped model)
  --name N            worker name shown in claims (default worker@<pid>)
  --time-limit D      trace each program at most this long (default and cap: the server's)
  --poll D            wait between claims when the queue is empty (default 5s)
  --once              stop when the queue is empty
  --max-jobs N        stop after N programs

Examples:
  set NTMD_TOKEN=ntmd_...
  ntmaldetect worker --server http://10.0.0.5:8735 --nttrace C:\\tools\\NtTrace.exe`;


const command: Command = {
  name: 'worker',
  summary: 'trace programs queued on a server with NtTrace and post the traces back',
  help,
  allowPositionals: false,
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
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
    const token = stringOption(values, 'token') ?? io.env.NTMD_TOKEN;
    if (!token) throw new UsageError('worker needs a token with the worker scope: --token or NTMD_TOKEN');
    const extra = values['nttrace-arg'];
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
        model: stringOption(values, 'model'),
        timeLimitMs: duration(values, 'time-limit'),
        pollMs: duration(values, 'poll'),
        once: values.once === true,
        maxJobs: numberOption(values, 'max-jobs', { min: 1, integer: true }),
        signal: stop.signal,
        env: io.env,
        onEvent(e) {
          const at = new Date().toISOString();
          if (e.type === 'claimed') println(io.stdout, `${at} claimed ${e.sha256} (${e.name}), tracing for at most ${e.timeLimitMs} ms`);
          else if (e.type === 'traced') println(io.stdout, `${at} traced ${e.sha256}: ${e.calls} calls in ${Math.round(e.elapsedMs)} ms (${e.ended})`);
          else if (e.type === 'posted') println(io.stdout, `${at} posted ${e.sha256}: ${e.program.status}${e.program.trace ? `, ${e.program.trace.verdict.malicious ? 'malicious' : 'benign'}` : ''}`);
          else if (e.type === 'failed') println(io.stderr, `${at} failed ${e.sha256}: ${e.error}`);
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
