/**
 * `ntmaldetect serve`: the HTTP API (see docs/api.md), on loopback by default.
 */
import type { Command, ParsedValues } from '../command.js';
import { numberOption, println, stringOption } from '../command.js';
import { durationOption as duration } from '../../server/cli-args.js';

const help = `Usage: ntmaldetect serve [options]

Serves the HTTP API: POST /v1/detect, /v1/traces, /v1/programs, and the rest listed in
/v1/openapi.json (docs/api.md). Every endpoint but health, readiness and the OpenAPI
document needs a bearer token: create one first with 'ntmaldetect tokens create'.
Runs until interrupted (Ctrl+C / SIGTERM), then finishes in-flight requests.

Options:
  --host H               interface to listen on (default 127.0.0.1: this machine only)
  --port N               TCP port (default 8735; 0 picks a free one)
  --db D                 the store: a folder (embedded, owned by this process), or
                         postgres://user:pass@host/db (default: $NTMD_DATABASE_URL, else
                         $XDG_DATA_HOME/ntmaldetect/store)
  --model F              a .ntmd model file (default: the shipped model)
  --threads N            run verdicts in N worker threads (default 0: in the main thread;
                         use the cores the HTTP thread does not need)
  --rate N               requests per second per token (default 100; 0 = no limit)
  --burst N              burst size per token (default 2 x rate)
  --max-trace-bytes N    limit of a trace body on the wire (default 64 MiB)
  --max-inflated-bytes N limit of a gzip trace body once inflated (default 256 MiB)
  --max-program-bytes N  limit of an uploaded program (default 128 MiB)
  --lease D              how long a worker's claim lasts (default 15m)
  --time-limit D         how long workers trace each program (default 2m)
  --max-attempts N       claims before a program that keeps failing is 'failed' (default 3)
  --log                  log every request (JSON lines on stdout)

Examples:
  ntmaldetect tokens create --name ci --scopes detect
  ntmaldetect serve --port 8735 --db postgres://ntmd@127.0.0.1/ntmd`;

function bytesOption(values: ParsedValues, name: string): number | undefined {
  return numberOption(values, name, { min: 1, integer: true });
}


const command: Command = {
  name: 'serve',
  summary: 'serve the HTTP API (detect, contribute traces, submit programs)',
  help,
  allowPositionals: false,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    db: { type: 'string' },
    model: { type: 'string' },
    threads: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    'max-trace-bytes': { type: 'string' },
    'max-inflated-bytes': { type: 'string' },
    'max-program-bytes': { type: 'string' },
    lease: { type: 'string' },
    'time-limit': { type: 'string' },
    'max-attempts': { type: 'string' },
    log: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const rate = numberOption(values, 'rate', { min: 0 }) ?? 100;
    const burst = numberOption(values, 'burst', { min: 1 });
    const { startServer } = await import('../../server/index.js');
    const server = await startServer({
      host: stringOption(values, 'host') ?? '127.0.0.1',
      port: numberOption(values, 'port', { min: 0, max: 65535, integer: true }),
      db: stringOption(values, 'db'),
      env: io.env,
      model: stringOption(values, 'model'),
      threads: numberOption(values, 'threads', { min: 0, max: 64, integer: true }),
      rateLimit: { perSecond: rate, burst: burst ?? Math.max(1, 2 * rate) },
      limits: {
        traceBytes: bytesOption(values, 'max-trace-bytes'),
        traceInflatedBytes: bytesOption(values, 'max-inflated-bytes'),
        programBytes: bytesOption(values, 'max-program-bytes'),
      },
      jobs: {
        leaseMs: duration(values, 'lease'),
        timeLimitMs: duration(values, 'time-limit'),
        maxAttempts: numberOption(values, 'max-attempts', { min: 1, integer: true }),
      },
      logger: values.log === true,
    });
    println(io.stdout, `ntmaldetect serve: listening on ${server.url} (store: ${server.backend.kind}, model: ${server.detector.model.name} ${server.detector.model.sha256.slice(0, 12)})`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    println(io.stdout, 'ntmaldetect serve: stopping');
    await server.close();
    return 0;
  },
};

export default command;
