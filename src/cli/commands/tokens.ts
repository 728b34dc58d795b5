/**
 * `ntmaldetect tokens create|list|revoke`: API tokens of `ntmaldetect serve`, in the store.
 */
import type { Command } from '../command.js';
import { UsageError, println, stringOption } from '../command.js';

const help = `Usage: ntmaldetect tokens create --name NAME --scopes S[,S...] [--db D]
       ntmaldetect tokens list [--db D] [--json]
       ntmaldetect tokens revoke ID [--db D]

API tokens of 'ntmaldetect serve'. A token is shown once, when created; the store keeps
only its hash. Scopes: detect (POST /v1/detect), contribute (traces, programs), label
(relabel traces), worker (claim and trace programs), admin (everything, including
deleting contributions, downloading programs and managing tokens).

An embedded store is owned by one process: stop the server first, or use the API
(POST /v1/tokens with an admin token), or a PostgreSQL store.

Options:
  --db D        the store (as 'serve': folder, or postgres://...; default
                $NTMD_DATABASE_URL, else $XDG_DATA_HOME/ntmaldetect/store)
  --name NAME   what the token is for (shown in provenance as token:NAME)
  --scopes S    comma-separated scopes
  --json        list as JSON

Examples:
  ntmaldetect tokens create --name triage --scopes detect,contribute
  ntmaldetect tokens create --name win-worker-1 --scopes worker
  ntmaldetect tokens revoke 3fa2c1d0e9b8`;

const command: Command = {
  name: 'tokens',
  summary: 'create, list or revoke API tokens of the server',
  help,
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [action, ...rest] = positionals;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') {
      throw new UsageError(`tokens: expected create, list or revoke, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    }
    const { openServerBackend, parseScopes, TOKEN_ID_PATTERN_RE } = await loadServer();
    let scopes: ReturnType<typeof parseScopes> = [];
    const name = stringOption(values, 'name');
    if (action === 'create') {
      if (rest.length) throw new UsageError('tokens create takes no positional argument');
      if (!name || !/^[^\u0000-\u001f\u007f/\\]{1,255}$/.test(name)) throw new UsageError('tokens create needs --name (1-255 printable characters, no / or \\)');
      const s = stringOption(values, 'scopes');
      if (s === undefined) throw new UsageError('tokens create needs --scopes, e.g. --scopes detect,contribute');
      try {
        scopes = parseScopes(s);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    } else if (action === 'revoke') {
      if (rest.length !== 1 || !TOKEN_ID_PATTERN_RE.test(rest[0])) throw new UsageError('tokens revoke needs one token id (12 hex digits, see tokens list)');
    } else if (rest.length) throw new UsageError('tokens list takes no positional argument');

    const backend = await openServerBackend({ db: stringOption(values, 'db'), env: io.env });
    try {
      if (action === 'create') {
        const t = await backend.createToken(name!, scopes);
        println(io.stderr, `created token ${t.id} (${name}; scopes ${scopes.join(',')}); it is shown once, keep it secret:`);
        println(io.stdout, t.token);
        return 0;
      }
      if (action === 'revoke') {
        if (!(await backend.revokeToken(rest[0]))) {
          println(io.stderr, `ntmaldetect: no active token with id ${rest[0]}`);
          return 1;
        }
        println(io.stdout, `revoked ${rest[0]}`);
        return 0;
      }
      const tokens = await backend.listTokens();
      if (values.json === true) {
        for (const t of tokens) {
          println(io.stdout, JSON.stringify({ id: t.id, name: t.name, scopes: t.scopes, createdAt: t.createdAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null }));
        }
      } else {
        println(io.stdout, `${'id'.padEnd(12)}  ${'created'.padEnd(20)}  ${'state'.padEnd(7)}  ${'scopes'.padEnd(30)}  name`);
        for (const t of tokens) {
          const state = t.revokedAt ? 'revoked' : 'active';
          println(io.stdout, `${t.id}  ${t.createdAt.toISOString().slice(0, 19).padEnd(20)}  ${state.padEnd(7)}  ${t.scopes.join(',').padEnd(30)}  ${t.name}`);
        }
      }
      return 0;
    } finally {
      await backend.close();
    }
  },
};

async function loadServer() {
  const [{ openServerBackend }, { parseScopes, TOKEN_ID_RE }] = await Promise.all([import('../../server/store-backend.js'), import('../../server/tokens.js')]);
  return { openServerBackend, parseScopes, TOKEN_ID_PATTERN_RE: TOKEN_ID_RE };
}

export default command;
