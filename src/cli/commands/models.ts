/**
 * `ntmaldetect models`: the store's model versions and production pointer — list, show,
 * promote, rollback — and the record of re-assessment runs.
 */
import type { Command } from '../command.js';
import { UsageError, numberOption, println, stringOption } from '../command.js';

const help = `Usage: ntmaldetect models <list|show ID|promote ID|rollback|runs> [--db D] [options]

The models kept in the store (each stored model's id is its version) and which one is in
production. A server following the store ('serve --reassess', or on PostgreSQL any
'serve --follow-production') switches to a newly promoted or rolled-back model without a
restart.

Sub-commands:
  list            every stored model; * marks the production model
  show ID         one model: configuration, training snapshot, metrics, evaluations,
                  production history ('show production' for the current one)
  promote ID      make model ID the production model (recorded as a manual promotion)
  rollback        put back the model that was in production before the current one
  runs            the recorded re-assessment runs, newest first, with decision and reason

Options:
  --db D          the store (default: $NTMD_DATABASE_URL, else $XDG_DATA_HOME/ntmaldetect/store)
  --reason TEXT   reason recorded with promote / rollback
  --limit N       runs to show (default 20)
  --json          JSON output

Examples:
  ntmaldetect models list
  ntmaldetect models promote 7 --reason 'reviewed by hand'
  ntmaldetect models rollback`;

const command: Command = {
  name: 'models',
  help,
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    reason: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [action, arg, ...rest] = positionals;
    if (action === undefined) throw new UsageError('models needs a sub-command: list, show ID, promote ID, rollback or runs');
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    const needsId = action === 'show' || action === 'promote';
    if (!['list', 'show', 'promote', 'rollback', 'runs'].includes(action))
      throw new UsageError(`unknown models sub-command ${JSON.stringify(action)} (list, show, promote, rollback, runs)`);
    if (needsId && arg === undefined) throw new UsageError(`models ${action} needs a model id`);
    if (!needsId && arg !== undefined) throw new UsageError(`models ${action} takes no argument`);
    const json = values.json === true;
    const reason = stringOption(values, 'reason');
    const { openStore } = await import('../../store/index.js');
    const { ModelRegistry } = await import('../../reassess/registry.js');
    const { NoProductionModelError } = await import('../../reassess/errors.js');
    const store = await openStore({ db: stringOption(values, 'db'), env: io.env });
    try {
      const registry = await ModelRegistry.open(store);
      const idOf = async (text: string): Promise<number> => {
        if (text === 'production') {
          const p = await registry.production();
          if (!p) throw new NoProductionModelError(`models ${action} production`);
          return p.modelId;
        }
        if (!/^\d+$/.test(text)) throw new UsageError(`model id must be a positive integer or 'production', got ${JSON.stringify(text)}`);
        return Number(text);
      };
      switch (action) {
        case 'list': {
          const models = await registry.list();
          if (json) println(io.stdout, JSON.stringify(models));
          else if (models.length === 0) println(io.stdout, 'no models in the store');
          else {
            println(io.stdout, `${'  id'.padEnd(6)} ${'name'.padEnd(32)} ${'sha256'.padEnd(12)} ${'snapshot'.padEnd(12)} created`);
            for (const m of models) {
              println(
                io.stdout,
                `${m.production ? '*' : ' '}${String(m.id).padStart(4)}  ${m.name.padEnd(32)} ${m.sha256.slice(0, 12)} ${(m.snapshotId ?? '-').slice(0, 12).padEnd(12)} ${m.createdAt.toISOString()}`,
              );
            }
          }
          return 0;
        }
        case 'show': {
          const id = await idOf(arg);
          const stored = await store.getModel(id);
          const { loadModel } = await import('../../model/model.js');
          const info = (await loadModel(stored.bytes!)).info();
          const evaluations = await store.listEvaluations({ modelId: id });
          const history = (await registry.history()).filter((h) => h.modelId === id);
          const production = (await registry.production())?.modelId === id;
          const { bytes: _bytes, ...row } = stored;
          const out = { ...row, bytes: stored.bytes!.length, production, info, evaluations, history };
          if (json) println(io.stdout, JSON.stringify(out));
          else {
            println(io.stdout, `model ${id}: ${stored.name}${production ? ' (production)' : ''}`);
            println(io.stdout, `sha256:   ${stored.sha256} (${stored.bytes!.length} bytes)`);
            println(io.stdout, `snapshot: ${stored.snapshotId ?? '-'}`);
            println(io.stdout, `created:  ${stored.createdAt.toISOString()}`);
            println(io.stdout, `config:   ${JSON.stringify(info.config)}`);
            println(io.stdout, `corpus:   ${JSON.stringify(info.corpus)}`);
            println(io.stdout, `metrics:  ${JSON.stringify(stored.metrics)}`);
            for (const h of history)
              println(
                io.stdout,
                `history:  ${h.createdAt.toISOString()} ${h.action}${h.runId !== null ? ` by run ${h.runId}` : ''}: ${h.reason}`,
              );
            println(io.stdout, `evaluations: ${evaluations.length}`);
          }
          return 0;
        }
        case 'promote': {
          const id = await idOf(arg);
          const entry = await registry.promote(id, { action: 'manual', reason: reason ?? 'promoted by hand' });
          if (json) println(io.stdout, JSON.stringify(entry));
          else println(io.stdout, `model ${entry.modelId} is now the production model`);
          return 0;
        }
        case 'rollback': {
          const entry = await registry.rollback({ reason });
          if (json) println(io.stdout, JSON.stringify(entry));
          else println(io.stdout, `rolled back: model ${entry.modelId} is the production model again`);
          return 0;
        }
        default: {
          const { listRuns } = await import('../../reassess/engine.js');
          const runs = await listRuns(store, numberOption(values, 'limit', { min: 1, integer: true }) ?? 20);
          if (json) println(io.stdout, JSON.stringify(runs));
          else if (runs.length === 0) println(io.stdout, 'no re-assessment runs yet');
          else {
            for (const r of runs) {
              const models =
                r.productionBefore === r.productionAfter
                  ? `production ${r.productionAfter ?? '-'}`
                  : `production ${r.productionBefore ?? '-'} -> ${r.productionAfter ?? '-'}`;
              println(
                io.stdout,
                `run ${r.id} ${r.startedAt.toISOString()} ${r.status} (${r.trigger}; ${r.traces ?? '-'} traces, ${r.newTraces ?? '-'} new; ${models}): ${r.reason ?? r.error ?? ''}`,
              );
            }
          }
          return 0;
        }
      }
    } finally {
      await store.close();
    }
  },
};

export default command;
