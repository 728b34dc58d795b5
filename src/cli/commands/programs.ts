/**
 * `ntmaldetect programs list|requeue`: the programs submitted to `ntmaldetect serve` for
 * tracing, in the store.
 */
import type { Command } from '../command.js';
import { UsageError, println, stringOption } from '../command.js';

const help = `Usage: ntmaldetect programs list [--status S] [--json] [--db D]
       ntmaldetect programs requeue SHA256... [--db D]

The programs submitted to 'ntmaldetect serve' (POST /v1/programs) and their tracing jobs.
'requeue' puts a failed program back in the queue with its attempts reset (after the
fault that failed it is fixed: a worker without NtTrace, a bad --nttrace path), and
also one whose trace came from a revoked token. A program in any other state is left
as it is. While the server runs, an admin token can do the same with
POST /v1/programs/{sha256}/requeue.

An embedded store is owned by one process: stop the server first, or use the API, or a
PostgreSQL store.

Options:
  --db D        the store (as 'serve'; default $NTMD_DATABASE_URL, else
                $XDG_DATA_HOME/ntmaldetect/store)
  --status S    list only programs in state S: queued, running, done or failed
  --json        list as JSON, one program per line

Exit status: 0 done; 1 a program unknown or not requeueable; 2 bad usage.

Examples:
  ntmaldetect programs list --status failed
  ntmaldetect programs requeue 0f3c...e9`;

const STATUSES = ['queued', 'running', 'done', 'failed'] as const;

const command: Command = {
  name: 'programs',
  help,
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [action, ...rest] = positionals;
    if (action !== 'list' && action !== 'requeue')
      throw new UsageError(`programs: expected list or requeue, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    const status = stringOption(values, 'status');
    if (action === 'list') {
      if (rest.length) throw new UsageError('programs list takes no positional argument');
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
        throw new UsageError(`--status: expected ${STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
    } else {
      if (status !== undefined || values.json !== undefined) throw new UsageError('programs requeue takes no --status or --json');
      if (rest.length === 0)
        throw new UsageError('programs requeue needs the SHA-256 of at least one program (see programs list --status failed)');
      const bad = rest.find((s) => !/^[0-9a-f]{64}$/.test(s));
      if (bad !== undefined) throw new UsageError(`programs requeue: ${JSON.stringify(bad)} is not a SHA-256 (64 lower-case hex digits)`);
    }
    const { openServerBackend } = await import('../../server/store-backend.js');
    const backend = await openServerBackend({ db: stringOption(values, 'db'), env: io.env });
    try {
      if (action === 'list') {
        const programs = await backend.sql.listPrograms(status as (typeof STATUSES)[number] | undefined);
        for (const p of programs) {
          if (values.json === true) println(io.stdout, JSON.stringify(p));
          else
            println(
              io.stdout,
              `${p.sha256}  ${p.status.padEnd(7)}  ${String(p.attempts).padStart(2)}  ${p.name}${p.error ? `  (${p.error})` : ''}`,
            );
        }
        return 0;
      }
      let code = 0;
      for (const sha of rest) {
        const r = await backend.requeueProgram(sha);
        if (!r) {
          println(io.stderr, `ntmaldetect: no program ${sha}`);
          code = 1;
        } else if (!r.requeued) {
          println(
            io.stderr,
            `ntmaldetect: program ${sha} is ${r.program.status}: only a failed program, or one done by a revoked token, is queued again`,
          );
          code = 1;
        } else println(io.stdout, `requeued ${sha} (${r.program.name})`);
      }
      return code;
    } finally {
      await backend.close();
    }
  },
};

export default command;
