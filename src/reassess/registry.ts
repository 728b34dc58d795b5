/**
 * Versioned models and the production pointer. Every model is a row of the store's
 * `ntmd_models` (its id is its version); `ntmd_production` records each change of the
 * production model (promotion by a re-assessment run, manual promotion, rollback), so the
 * newest row names the model in production and the whole history stays.
 *
 * @packageDocumentation
 */
import { hostname, userInfo } from 'node:os';
import type { Store, StoredModel } from '../store/store.js';
import type { Queryable, SqlDriver } from '../store/driver.js';
import { loadModel } from '../model/model.js';
import type { Model } from '../model/model.js';
import { migrateReassess } from './schema.js';
import { NoProductionModelError, NothingToRollBackError } from './errors.js';
import { StoreNotFoundError } from '../store/errors.js';

/** One change of the production model. */
export interface ProductionEntry {
  /** Row id of the change (ascending in time). */
  id: number;
  modelId: number;
  action: 'promote' | 'rollback' | 'manual';
  /** The re-assessment run that promoted it, if any. */
  runId: number | null;
  reason: string;
  actor: string | null;
  createdAt: Date;
}

/** A stored model with its production status. */
export interface RegisteredModel extends StoredModel {
  /** It is the production model now. */
  production: boolean;
  /** When it (last) became production, if ever. */
  promotedAt: Date | null;
}

interface ProductionRow {
  id: number | string;
  model_id: number | string;
  action: ProductionEntry['action'];
  run_id: number | string | null;
  reason: string;
  actor: string | null;
  created_at: Date | string;
}

function entryOf(r: ProductionRow): ProductionEntry {
  return {
    id: Number(r.id),
    modelId: Number(r.model_id),
    action: r.action,
    runId: r.run_id === null ? null : Number(r.run_id),
    reason: r.reason,
    actor: r.actor,
    createdAt: new Date(r.created_at),
  };
}

/** Who is acting, for the history (`user@host`). */
export function defaultActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user entry (containers): keep 'unknown'.
  }
  return `${user}@${hostname()}`;
}

/**
 * The chain of production models a rollback walks back along: replaying the history,
 * promotions push and rollbacks pop. The last element is the production model.
 */
export function productionStack(history: readonly ProductionEntry[]): number[] {
  const stack: number[] = [];
  for (const e of history) {
    if (e.action === 'rollback') {
      stack.pop();
      if (stack[stack.length - 1] !== e.modelId) stack.push(e.modelId);
    } else stack.push(e.modelId);
  }
  return stack;
}

/** Models, their versions and the production pointer of one store. */
export class ModelRegistry {
  private constructor(
    readonly store: Store,
    readonly db: SqlDriver,
  ) {}

  /** The registry of an open store (creating the re-assessment tables if needed). */
  static async open(store: Store): Promise<ModelRegistry> {
    const db = store.driver;
    await migrateReassess(db);
    return new ModelRegistry(store, db);
  }

  /** Every production change, oldest first. */
  async history(): Promise<ProductionEntry[]> {
    const rows = await this.db.query<ProductionRow>('SELECT * FROM ntmd_production ORDER BY id');
    return rows.map(entryOf);
  }

  /** The current production entry, or null when no model was ever promoted. */
  async production(q: Queryable = this.db): Promise<ProductionEntry | null> {
    const rows = await q.query<ProductionRow>('SELECT * FROM ntmd_production ORDER BY id DESC LIMIT 1');
    return rows.length ? entryOf(rows[0]) : null;
  }

  /** The production model loaded, with its store row; null when there is none. */
  async loadProduction(): Promise<{ entry: ProductionEntry; stored: StoredModel; model: Model } | null> {
    const entry = await this.production();
    if (!entry) return null;
    const stored = await this.store.getModel(entry.modelId);
    const model = await loadModel(stored.bytes!);
    return { entry, stored, model };
  }

  /** Every stored model (oldest first) with its production status. */
  async list(): Promise<RegisteredModel[]> {
    const [models, history] = await Promise.all([this.store.listModels(), this.history()]);
    const current = history.length ? history[history.length - 1].modelId : null;
    const promotedAt = new Map<number, Date>();
    for (const e of history) promotedAt.set(e.modelId, e.createdAt);
    return models.map((m) => ({ ...m, production: m.id === current, promotedAt: promotedAt.get(m.id) ?? null }));
  }

  /**
   * Makes model `modelId` the production model. `tx` lets a re-assessment run record its
   * decision and the promotion in one transaction.
   */
  async promote(
    modelId: number,
    options: { reason: string; action?: 'promote' | 'manual'; runId?: number | null; actor?: string },
    tx?: Queryable,
  ): Promise<ProductionEntry> {
    const write = async (q: Queryable): Promise<ProductionEntry> => {
      const exists = await q.query('SELECT 1 FROM ntmd_models WHERE id = $1', [modelId]);
      // Thrown here, not by a store query: on an embedded store a query outside this
      // transaction would wait for it to end, and the transaction for the query.
      if (exists.length === 0) throw new StoreNotFoundError(`model ${modelId}`);
      const [row] = await q.query<ProductionRow>(
        'INSERT INTO ntmd_production (model_id, action, run_id, reason, actor) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [modelId, options.action ?? 'manual', options.runId ?? null, options.reason, options.actor ?? defaultActor()],
      );
      return entryOf(row);
    };
    return tx ? write(tx) : this.db.transaction(write);
  }

  /**
   * Puts back the model that was in production before the current one. Throws
   * {@link NothingToRollBackError} when there is none.
   */
  async rollback(options: { reason?: string; actor?: string } = {}): Promise<ProductionEntry> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<ProductionRow>('SELECT * FROM ntmd_production ORDER BY id FOR UPDATE');
      const stack = productionStack(rows.map(entryOf));
      if (stack.length === 0) throw new NoProductionModelError('rollback');
      if (stack.length < 2) throw new NothingToRollBackError();
      const target = stack[stack.length - 2];
      const [row] = await tx.query<ProductionRow>(
        'INSERT INTO ntmd_production (model_id, action, reason, actor) VALUES ($1, $2, $3, $4) RETURNING *',
        [target, 'rollback', options.reason ?? `rolled back from model ${stack[stack.length - 1]}`, options.actor ?? defaultActor()],
      );
      return entryOf(row);
    });
  }
}
