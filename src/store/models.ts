/**
 * The model registry: `.ntmd` model files kept in the store with the configuration,
 * snapshot and metrics that produced them, and the evaluations (cross-validation,
 * benchmarks, held-out tests) recorded against models and snapshots.
 */
import { sha256Hex } from './codec.js';
import { num } from './db.js';
import type { Queryable } from './driver.js';
import { StoreNotFoundError } from './errors.js';

/** A model kept in the store. */
export interface StoredModel {
  id: number;
  name: string;
  sha256: string;
  config: Record<string, unknown>;
  snapshotId: string | null;
  metrics: Record<string, unknown>;
  createdAt: Date;
  /** The `.ntmd` bytes (only from `Store.getModel`). */
  bytes?: Uint8Array;
}

/** An evaluation kept in the store. */
export interface StoredEvaluation {
  id: number;
  modelId: number | null;
  snapshotId: string | null;
  kind: string;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  createdAt: Date;
}

/** A model to keep: its `.ntmd` bytes and what produced it. */
export interface NewModel {
  name: string;
  bytes: Uint8Array;
  config?: Record<string, unknown>;
  snapshotId?: string | null;
  metrics?: Record<string, unknown>;
}

/** An evaluation to record. */
export interface NewEvaluation {
  kind: string;
  metrics: Record<string, unknown>;
  modelId?: number | null;
  snapshotId?: string | null;
  config?: Record<string, unknown>;
}

interface ModelRow {
  id: number | string;
  name: string;
  sha256: string;
  config: Record<string, unknown>;
  snapshot_id: string | null;
  metrics: Record<string, unknown>;
  created_at: Date;
}

function modelOf(r: ModelRow): StoredModel {
  return {
    id: num(r.id),
    name: r.name,
    sha256: r.sha256,
    config: r.config,
    snapshotId: r.snapshot_id,
    metrics: r.metrics,
    createdAt: new Date(r.created_at),
  };
}

/** Keeps a model's `.ntmd` bytes with its training config, snapshot and metrics. */
export async function saveModel(db: Queryable, model: NewModel): Promise<StoredModel> {
  const sha256 = sha256Hex(model.bytes);
  const [row] = await db.query<{ id: number | string; created_at: Date }>(
    `INSERT INTO ntmd_models (name, sha256, bytes, config, snapshot_id, metrics) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`,
    [model.name, sha256, model.bytes, JSON.stringify(model.config ?? {}), model.snapshotId ?? null, JSON.stringify(model.metrics ?? {})],
  );
  return {
    id: num(row.id),
    name: model.name,
    sha256,
    config: model.config ?? {},
    snapshotId: model.snapshotId ?? null,
    metrics: model.metrics ?? {},
    createdAt: new Date(row.created_at),
  };
}

/** A stored model with its bytes; {@link StoreNotFoundError} when there is none of that id. */
export async function getModel(db: Queryable, id: number): Promise<StoredModel> {
  const rows = await db.query<ModelRow & { bytes: Uint8Array }>('SELECT * FROM ntmd_models WHERE id = $1', [id]);
  if (rows.length === 0) throw new StoreNotFoundError(`model ${id}`);
  return { ...modelOf(rows[0]), bytes: new Uint8Array(rows[0].bytes) };
}

/** All stored models (without their bytes), oldest first. */
export async function listModels(db: Queryable): Promise<StoredModel[]> {
  const rows = await db.query<ModelRow>('SELECT id, name, sha256, config, snapshot_id, metrics, created_at FROM ntmd_models ORDER BY id');
  return rows.map(modelOf);
}

/** Records an evaluation. */
export async function addEvaluation(db: Queryable, e: NewEvaluation): Promise<StoredEvaluation> {
  const [row] = await db.query<{ id: number | string; created_at: Date }>(
    'INSERT INTO ntmd_evaluations (model_id, snapshot_id, kind, config, metrics) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at',
    [e.modelId ?? null, e.snapshotId ?? null, e.kind, JSON.stringify(e.config ?? {}), JSON.stringify(e.metrics)],
  );
  return {
    id: num(row.id),
    modelId: e.modelId ?? null,
    snapshotId: e.snapshotId ?? null,
    kind: e.kind,
    config: e.config ?? {},
    metrics: e.metrics,
    createdAt: new Date(row.created_at),
  };
}

/** Stored evaluations, optionally of one model, oldest first. */
export async function listEvaluations(db: Queryable, options: { modelId?: number } = {}): Promise<StoredEvaluation[]> {
  const rows = await db.query<{
    id: number | string;
    model_id: number | string | null;
    snapshot_id: string | null;
    kind: string;
    config: Record<string, unknown>;
    metrics: Record<string, unknown>;
    created_at: Date;
  }>(
    `SELECT id, model_id, snapshot_id, kind, config, metrics, created_at FROM ntmd_evaluations
      WHERE $1::bigint IS NULL OR model_id = $1::bigint ORDER BY id`,
    [options.modelId ?? null],
  );
  return rows.map((r) => ({
    id: num(r.id),
    modelId: r.model_id === null ? null : num(r.model_id),
    snapshotId: r.snapshot_id,
    kind: r.kind,
    config: r.config,
    metrics: r.metrics,
    createdAt: new Date(r.created_at),
  }));
}
