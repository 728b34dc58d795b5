/**
 * `ntmaldetect tokens create|list|revoke|bind|renew|rotate`: API tokens of
 * `ntmaldetect serve`, in the store.
 */
import type { Command } from '../command.js';
import { UsageError, println, stringOption, warn } from '../command.js';

const help = `Usage: ntmaldetect tokens create --name NAME --scopes S[,S...] [--worker W] [--ttl T] [--db D]
       ntmaldetect tokens list [--db D] [--json]
       ntmaldetect tokens revoke ID [--db D]
       ntmaldetect tokens bind ID --worker W [--ttl T] [--db D]
       ntmaldetect tokens renew ID [--ttl T] [--db D]
       ntmaldetect tokens rotate ID [--grace G] [--ttl T] [--db D]

API tokens of 'ntmaldetect serve'. A token is shown once, when created; the store keeps
only its hash. Scopes: detect (POST /v1/detect), contribute (traces, programs), label
(relabel traces), worker (claim and trace programs), admin (everything, including
deleting contributions, downloading programs and managing tokens).

A worker token is bound to one worker name (--worker, default its --name): it cannot
claim under another. It expires (--ttl, default 30d); 'renew' extends it, 'rotate'
replaces it by a new token with the same name, scopes and binding (the old one stops at
once, or after --grace). 'revoke' refuses the token from now on, marks every trace it
produced as suspect (re-assessment leaves them out until a person labels them again) and
puts the programs it holds back in the queue.

Worker tokens made before worker identity (ntmaldetect 0.2) are listed as 'legacy': they
keep working, with a warning on the server, until bound ('bind') or rotated.

An embedded store is owned by one process: stop the server first, or use the API
(/v1/tokens with an admin token), or a PostgreSQL store.

Options:
  --db D        the store (as 'serve': folder, or postgres://...; default
                $NTMD_DATABASE_URL, else $XDG_DATA_HOME/ntmaldetect/store)
  --name NAME   what the token is for (shown in provenance as token:NAME)
  --scopes S    comma-separated scopes
  --worker W    the worker name a worker token is bound to
  --ttl T       lifetime: 90m, 12h, 30d (1m to 366d); default 30d for worker
                tokens, none for the others
  --grace G     rotate: how long the old token still works (e.g. 10m; default 0)
  --json        list as JSON

Exit status: 0 done; 1 no such (active) token; 2 bad usage.

Examples:
  ntmaldetect tokens create --name triage --scopes detect,contribute
  ntmaldetect tokens create --name win-worker-1 --scopes worker --ttl 7d
  ntmaldetect tokens bind 3fa2c1d0e9b8 --worker win-worker-1
  ntmaldetect tokens rotate 3fa2c1d0e9b8 --grace 10m
  ntmaldetect tokens revoke 3fa2c1d0e9b8`;

const ACTIONS = ['create', 'list', 'revoke', 'bind', 'renew', 'rotate'] as const;
const NAME_RE = /^[^\u0000-\u001f\u007f/\\]{1,255}$/;

const command: Command = {
  name: 'tokens',
  help,
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'string' },
    worker: { type: 'string' },
    ttl: { type: 'string' },
    grace: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [action, ...rest] = positionals;
    if (!(ACTIONS as readonly (string | undefined)[]).includes(action)) {
      throw new UsageError(`tokens: expected ${ACTIONS.join(', ')}, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    }
    const { openServerBackend, parseScopes, parseLifetime, TOKEN_ID_RE } = await loadServer();
    const lifetime = (option: 'ttl' | 'grace'): number | undefined => {
      const v = stringOption(values, option);
      if (v === undefined) return undefined;
      if (option === 'grace' && /^\s*0\s*[mhd]?\s*$/.test(v)) return 0;
      try {
        return parseLifetime(v, `--${option}`);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    };
    const allowed: Record<(typeof ACTIONS)[number], string[]> = {
      create: ['name', 'scopes', 'worker', 'ttl'],
      list: ['json'],
      revoke: [],
      bind: ['worker', 'ttl'],
      renew: ['ttl'],
      rotate: ['grace', 'ttl'],
    };
    for (const k of ['name', 'scopes', 'worker', 'ttl', 'grace', 'json']) {
      if (values[k] !== undefined && !allowed[action as (typeof ACTIONS)[number]].includes(k))
        throw new UsageError(`tokens ${action} takes no --${k}`);
    }
    let scopes: ReturnType<typeof parseScopes> = [];
    const name = stringOption(values, 'name');
    const worker = stringOption(values, 'worker');
    if (worker !== undefined && !NAME_RE.test(worker)) throw new UsageError('--worker: 1-255 printable characters, no / or \\');
    const ttlMs = lifetime('ttl');
    const graceMs = lifetime('grace');
    if (action === 'create') {
      if (rest.length) throw new UsageError('tokens create takes no positional argument');
      if (!name || !NAME_RE.test(name)) throw new UsageError('tokens create needs --name (1-255 printable characters, no / or \\)');
      const s = stringOption(values, 'scopes');
      if (s === undefined) throw new UsageError('tokens create needs --scopes, e.g. --scopes detect,contribute');
      try {
        scopes = parseScopes(s);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (worker !== undefined && !scopes.includes('worker'))
        throw new UsageError('--worker binds a token with the worker scope: add worker to --scopes or drop --worker');
    } else if (action === 'list') {
      if (rest.length) throw new UsageError('tokens list takes no positional argument');
    } else {
      if (rest.length !== 1 || !TOKEN_ID_RE.test(rest[0]))
        throw new UsageError(`tokens ${action} needs one token id (12 hex digits, see tokens list)`);
      if (action === 'bind' && worker === undefined) throw new UsageError('tokens bind needs --worker NAME');
      if (action === 'renew' && ttlMs === undefined) throw new UsageError('tokens renew needs --ttl, e.g. --ttl 30d');
    }

    const backend = await openServerBackend({ db: stringOption(values, 'db'), env: io.env });
    const noToken = (what: string): number => {
      println(io.stderr, `ntmaldetect: no ${what} with id ${rest[0]}`);
      return 1;
    };
    try {
      if (action === 'create') {
        const t = await backend.createToken(name!, scopes, { worker, ttlMs });
        println(
          io.stderr,
          `created token ${t.id} (${name}; scopes ${scopes.join(',')}${describe(t.record)}); it is shown once, keep it secret:`,
        );
        println(io.stdout, t.token);
        return 0;
      }
      if (action === 'revoke') {
        const r = await backend.revokeToken(rest[0]);
        if (!r) return noToken('active token');
        println(
          io.stdout,
          `revoked ${rest[0]}: ${r.marked} trace record${r.marked === 1 ? '' : 's'} marked suspect, ${r.released} claim${r.released === 1 ? '' : 's'} put back in the queue`,
        );
        return 0;
      }
      if (action === 'bind') {
        const b = await backend.bindToken(rest[0], worker!, ttlMs);
        if (!b) return noToken('active worker token');
        if (!b.bound && b.record.workerName !== worker) {
          println(
            io.stderr,
            `ntmaldetect: token ${rest[0]} is already bound to worker ${JSON.stringify(b.record.workerName)}: a binding is made once; rotate it or create a token for the other worker`,
          );
          return 1;
        }
        println(io.stdout, `bound ${rest[0]} to worker ${worker}${describe(b.record)}`);
        return 0;
      }
      if (action === 'renew') {
        const t = await backend.renewToken(rest[0], ttlMs!);
        if (!t) return noToken('active token');
        println(io.stdout, `renewed ${rest[0]}${describe(t)}`);
        return 0;
      }
      if (action === 'rotate') {
        const t = await backend.rotateToken(rest[0], graceMs ?? 0, { ttlMs });
        if (!t) return noToken('active token');
        println(
          io.stderr,
          `token ${rest[0]} replaced by ${t.id}${describe(t.record)}; the old one stops ${graceMs ? `at ${t.old.expiresAt!.toISOString()}` : 'now'}. The new token is shown once, keep it secret:`,
        );
        println(io.stdout, t.token);
        return 0;
      }
      const tokens = await backend.listTokens();
      const now = Date.now();
      const state = (t: (typeof tokens)[number]): string =>
        t.revokedAt
          ? 'revoked'
          : t.expiresAt && t.expiresAt.getTime() <= now
            ? t.rotatedTo
              ? 'rotated'
              : 'expired'
            : t.legacy
              ? 'legacy'
              : 'active';
      if (values.json === true) {
        for (const t of tokens) {
          println(
            io.stdout,
            JSON.stringify({
              id: t.id,
              name: t.name,
              scopes: t.scopes,
              state: state(t),
              worker: t.workerName,
              createdAt: t.createdAt.toISOString(),
              expiresAt: t.expiresAt?.toISOString() ?? null,
              revokedAt: t.revokedAt?.toISOString() ?? null,
              legacy: t.legacy,
              rotatedTo: t.rotatedTo,
            }),
          );
        }
      } else {
        println(
          io.stdout,
          `${'id'.padEnd(12)}  ${'created'.padEnd(19)}  ${'expires'.padEnd(19)}  ${'state'.padEnd(7)}  ${'scopes'.padEnd(24)}  ${'worker'.padEnd(16)}  name`,
        );
        for (const t of tokens) {
          const day = (d: Date | null): string => (d ? d.toISOString().slice(0, 19) : '-').padEnd(19);
          println(
            io.stdout,
            `${t.id}  ${day(t.createdAt)}  ${day(t.expiresAt)}  ${state(t).padEnd(7)}  ${t.scopes.join(',').padEnd(24)}  ${(t.workerName ?? '-').padEnd(16)}  ${t.name}`,
          );
        }
        const legacy = tokens.filter((t) => state(t) === 'legacy');
        if (legacy.length)
          warn(
            io,
            `warning: ${legacy.length} legacy worker token${legacy.length === 1 ? '' : 's'} (not bound to a worker name, no expiry): bind (tokens bind ID --worker NAME) or rotate them`,
          );
      }
      return 0;
    } finally {
      await backend.close();
    }
  },
};

/** "; worker W; expires T" for the parts a token has. */
function describe(t: { workerName: string | null; expiresAt: Date | null }): string {
  return `${t.workerName ? `; worker ${t.workerName}` : ''}${t.expiresAt ? `; expires ${t.expiresAt.toISOString()}` : ''}`;
}

async function loadServer() {
  const [{ openServerBackend }, { parseScopes, parseLifetime, TOKEN_ID_RE }] = await Promise.all([
    import('../../server/store-backend.js'),
    import('../../server/tokens.js'),
  ]);
  return { openServerBackend, parseScopes, parseLifetime, TOKEN_ID_RE };
}

export default command;
