/**
 * `ntmaldetect serve`: the HTTP API (see docs/api.md), on loopback by default.
 */
import { constants } from 'node:os';
import type { Command, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';
import { durationOption as duration } from '../duration.js';
import { readFailure } from '../paths.js';

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
  --threads N            run verdicts in N worker threads, 0 for the HTTP thread itself
                         (default: one per core but one, at most 4; 0 on one core, and
                         with --follow-production / --reassess)
  --rate N               requests per second per token (default 100; 0 = no limit)
  --burst N              burst size per token (default 2 x rate)
  --max-trace-bytes N    limit of a trace body on the wire (default 64 MiB)
  --max-inflated-bytes N limit of a gzip trace body once inflated (default 256 MiB)
  --max-program-bytes N  limit of an uploaded program (default 128 MiB)
  --max-body-memory N    memory all request bodies in flight may hold together, as
                         received and inflated (default 512 MiB); past it a body is
                         refused with 503 and Retry-After
  --tls-cert F           serve HTTPS: the certificate chain (PEM); needs --tls-key
  --tls-key F            the private key (PEM) of --tls-cert
  --lease D              how long a worker's claim lasts (default 15m)
  --time-limit D         how long workers trace each program (default 2m)
  --max-attempts N       claims before a program that keeps failing is 'failed' (default 3)
  --max-claims N         live claims one worker token may hold at once (default 2)
  --log                  log every request (JSON lines on stdout)
  --v8-gc-defaults       run with V8's garbage-collector defaults, in this process (by
                         default serve runs the server in a child Node process with a
                         fixed 2 MiB young generation and a heap that may grow to 4x its
                         live size: far fewer full collections under load, see
                         docs/benchmarks.md)
  --follow-production    serve the store's production model and switch to a newly promoted
                         or rolled-back one without a restart (docs/reassessment.md)
  --reassess CRON        also re-assess on this cron schedule in this process (implies
                         --follow-production; the way for an embedded store, which only
                         this process may open); --utc, --min-new N, --candidates LIST and
                         --folds N as for 'ntmaldetect reassess'

Examples:
  ntmaldetect tokens create --name ci --scopes detect
  ntmaldetect serve --port 8735 --db postgres://ntmd@127.0.0.1/ntmd`;

function bytesOption(values: ParsedValues, name: string): number | undefined {
  return numberOption(values, name, { min: 1, integer: true });
}

/**
 * `--follow-production` / `--reassess CRON` (src/reassess): a swappable detector for the
 * server, attached to the store once it is open.
 */
async function followSetup(values: ParsedValues): Promise<
  | {
      detector: import('../../reassess/swap.js').SwappableDetector;
      attach: (store: import('../../store/store.js').Store, log: (line: string) => void) => Promise<{ stop(): void }>;
    }
  | undefined
> {
  const schedule = stringOption(values, 'reassess');
  if (schedule === undefined && values['follow-production'] !== true) return undefined;
  if ((numberOption(values, 'threads', { min: 0, integer: true }) ?? 0) > 0)
    throw new UsageError('--threads cannot be combined with --follow-production / --reassess yet');
  const { SwappableDetector } = await import('../../reassess/swap.js');
  const { attachReassessment } = await import('../../reassess/serve-hook.js');
  const { parseCron } = await import('../../reassess/cron.js');
  const { reassessOptions } = await import('./reassess.js');
  if (schedule !== undefined) parseCron(schedule); // a bad expression fails before the server starts
  const { loadDetector } = await import('../../server/detector.js');
  const detector = new SwappableDetector(await loadDetector(stringOption(values, 'model')));
  return {
    detector,
    attach: (store, log) =>
      attachReassessment(store, detector, { schedule, utc: values.utc === true, reassess: reassessOptions(values), log }),
  };
}

/** `--tls-cert F --tls-key F`: both files read (PEM), or neither given. */
async function tlsFiles(values: ParsedValues): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const certPath = stringOption(values, 'tls-cert');
  const keyPath = stringOption(values, 'tls-key');
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined)
    throw new UsageError('--tls-cert and --tls-key go together: give both (a PEM certificate chain and its private key)');
  const { readFile } = await import('node:fs/promises');
  const read = async (path: string, option: string): Promise<Buffer> => {
    try {
      const bytes = await readFile(path);
      if (!bytes.includes('-----BEGIN')) throw new Error('not a PEM file (no -----BEGIN line)');
      return bytes;
    } catch (e) {
      throw new UsageError(
        `${option} ${path}: ${(e as NodeJS.ErrnoException).code !== undefined ? `cannot read it: ${readFailure(e)}` : (e as Error).message}`,
      );
    }
  };
  return { cert: await read(certPath, '--tls-cert'), key: await read(keyPath, '--tls-key') };
}

/** The options as command-line arguments again (for the child process of `serve`). */
function toArgs(values: ParsedValues): string[] {
  const args: string[] = [];
  for (const [name, v] of Object.entries(values)) {
    if (v === true) args.push(`--${name}`);
    else if (typeof v === 'string') args.push(`--${name}`, v);
  }
  return args;
}

const command: Command = {
  name: 'serve',
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
    'max-body-memory': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    lease: { type: 'string' },
    'time-limit': { type: 'string' },
    'max-attempts': { type: 'string' },
    'max-claims': { type: 'string' },
    log: { type: 'boolean' },
    'follow-production': { type: 'boolean' },
    reassess: { type: 'string' },
    utc: { type: 'boolean' },
    'min-new': { type: 'string' },
    candidates: { type: 'string' },
    folds: { type: 'string' },
    'v8-gc-defaults': { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const gc = await import('../../server/gc.js');
    // V8 reads its GC flags when it starts: run in a child process that sets them
    // (src/server/gc.ts), unless asked not to, already set, or not run as a program (runCli
    // called in process, e.g. from the sources).
    const script = io.self;
    if (values['v8-gc-defaults'] !== true && !gc.gcFlagsSetAtStart() && script !== undefined) {
      return gc.runWithServerFlags({
        script,
        args: [...(io.debug === true ? ['--debug'] : []), ...(io.quiet === true ? ['--quiet'] : []), 'serve', ...toArgs(values)],
        env: io.env,
        cwd: io.cwd,
        stdout: io.stdout,
        stderr: io.stderr,
      });
    }
    const tls = await tlsFiles(values);
    const rate = numberOption(values, 'rate', { min: 0 }) ?? 100;
    const burst = numberOption(values, 'burst', { min: 1 });
    const { startServer, defaultServeThreads } = await import('../../server/index.js');
    const follow = await followSetup(values);
    const threads = numberOption(values, 'threads', { min: 0, max: 64, integer: true }) ?? (follow ? 0 : defaultServeThreads());
    const server = await startServer({
      detector: follow?.detector,
      host: stringOption(values, 'host') ?? '127.0.0.1',
      port: numberOption(values, 'port', { min: 0, max: 65535, integer: true }),
      db: stringOption(values, 'db'),
      env: io.env,
      model: stringOption(values, 'model'),
      threads,
      rateLimit: { perSecond: rate, burst: burst ?? Math.max(1, 2 * rate) },
      limits: {
        traceBytes: bytesOption(values, 'max-trace-bytes'),
        traceInflatedBytes: bytesOption(values, 'max-inflated-bytes'),
        programBytes: bytesOption(values, 'max-program-bytes'),
        bodyMemoryBytes: bytesOption(values, 'max-body-memory'),
      },
      tls,
      jobs: {
        leaseMs: duration(values, 'lease'),
        timeLimitMs: duration(values, 'time-limit'),
        maxAttempts: numberOption(values, 'max-attempts', { min: 1, integer: true }),
        maxClaims: numberOption(values, 'max-claims', { min: 1, integer: true }),
      },
      logger: values.log === true,
    });
    const attachment = follow
      ? await follow.attach(server.backend.store, (line) => println(io.stdout, `ntmaldetect serve: ${line}`))
      : undefined;
    println(
      io.stdout,
      `ntmaldetect serve: listening on ${server.url} (store: ${server.backend.kind}, model: ${server.detector.model.name} ${server.detector.model.sha256.slice(0, 12)}, V8 GC: ${gc.gcSetting()}, detection threads: ${follow ? 0 : threads})`,
    );
    // The first signal stops gracefully; another one more than a second later ends the
    // process at once. (A terminal's Ctrl+C reaches serve's child twice within
    // milliseconds: from the terminal and passed on by the parent; that counts as one.)
    let stop = () => undefined as void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let firstSignal = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (firstSignal === 0) {
        firstSignal = Date.now();
        stop();
      } else if (Date.now() - firstSignal > 1000) {
        process.exit(128 + (constants.signals[sig] ?? 0));
      }
    };
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const sig of signals) process.on(sig, onSignal);
    gc.stopWithParent(stop);
    await stopped;
    println(io.stdout, 'ntmaldetect serve: stopping');
    attachment?.stop();
    await server.close();
    for (const sig of signals) process.off(sig, onSignal);
    return 0;
  },
};

export default command;
