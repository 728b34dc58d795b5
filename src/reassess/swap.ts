/**
 * Hot swap of the server's model. {@link SwappableDetector} is a `TraceDetector` whose
 * model can be replaced while the server runs: each request takes the model that is
 * current when it starts (detection is synchronous, so a request never sees two models),
 * and requests in flight during a swap finish normally. {@link followProduction} keeps it
 * on the store's production model: after a promotion or rollback made in this process
 * (`serve --reassess`) at once, and by polling the production pointer for changes made by
 * other processes (`reassess` or `models promote|rollback` on PostgreSQL).
 *
 * Re-assessment sits below the server and does not import it: a swapped-in detector is made
 * by the detector in use ({@link ReloadableDetector.withModel}, which the server's
 * `ModelDetector` implements).
 *
 * @packageDocumentation
 */
import type { VerdictJson } from '../api/verdict-json.js';
import { InvalidOptionError } from '../errors.js';
import { loadModel } from '../model/model.js';
import type { Store } from '../store/store.js';
import { isReloadable, type ReloadableDetector, type TraceDetector } from './detector.js';
import { ModelRegistry } from './registry.js';

/** A detector whose model can be replaced at any time. */
export class SwappableDetector implements TraceDetector {
  private current: TraceDetector;
  /** Store model id of the current model (null for a model not from the store). */
  private currentId: number | null;

  constructor(initial: TraceDetector, modelId: number | null = null) {
    this.current = initial;
    this.currentId = modelId;
  }

  get model(): TraceDetector['model'] {
    return this.current.model;
  }

  /** The store id of the model in use, if it came from the store. */
  get modelId(): number | null {
    return this.currentId;
  }

  /** The detector in use now. */
  get active(): TraceDetector {
    return this.current;
  }

  detect(body: Uint8Array): VerdictJson | Promise<VerdictJson> {
    // The model is taken once, when the request starts: a swap meanwhile does not affect it.
    return this.current.detect(body);
  }

  /** Replaces the model; requests that start from now on use `next`. */
  swap(next: TraceDetector, modelId: number | null = null): void {
    this.current = next;
    this.currentId = modelId;
  }
}

/** A detector like `like` (e.g. the server's `ModelDetector`) on model `id` of the store. */
export async function storeModelDetector(store: Store, id: number, like: ReloadableDetector): Promise<ReloadableDetector> {
  const stored = await store.getModel(id);
  const model = await loadModel(stored.bytes!);
  return like.withModel(model, { name: `store model ${id} (${stored.name})`, source: 'file', fileSha256: stored.sha256 });
}

/** A running {@link followProduction}. */
export interface ProductionFollower {
  /** Checks the production pointer now and swaps if it changed. Resolves to the model id in use. */
  check(): Promise<number | null>;
  stop(): void;
}

/**
 * Keeps `detector` on the store's production model, checking every `intervalMs` (default
 * 5 s; 0 = only when {@link ProductionFollower.check} is called). A failed check (database
 * briefly away, unreadable model) keeps the current model and is reported to `onError`.
 * The detector in use must be a {@link ReloadableDetector} (as `ModelDetector` and the
 * detectors it makes are): the next one is made by it.
 */
export function followProduction(
  store: Store,
  detector: SwappableDetector,
  options: { intervalMs?: number; onSwap?: (modelId: number) => void; onError?: (e: unknown) => void } = {},
): ProductionFollower {
  if (!isReloadable(detector.active)) {
    throw new InvalidOptionError(
      'detector',
      'a SwappableDetector on a detector that can load another model (withModel), such as ModelDetector of ntmaldetect/server',
      detector.active.model.name,
    );
  }
  let registry: Promise<ModelRegistry> | undefined;
  let checking: Promise<number | null> | undefined;
  const check = (): Promise<number | null> => {
    checking ??= (async () => {
      try {
        registry ??= ModelRegistry.open(store);
        const entry = await (await registry).production();
        if (entry && entry.modelId !== detector.modelId) {
          const like = detector.active;
          if (!isReloadable(like))
            throw new InvalidOptionError('detector', 'a detector that can load another model (withModel)', like.model.name);
          detector.swap(await storeModelDetector(store, entry.modelId, like), entry.modelId);
          options.onSwap?.(entry.modelId);
        }
        return detector.modelId;
      } finally {
        checking = undefined;
      }
    })();
    return checking;
  };
  const interval = options.intervalMs ?? 5000;
  const timer =
    interval > 0
      ? setInterval(() => {
          check().catch((e) => options.onError?.(e));
        }, interval)
      : undefined;
  timer?.unref();
  return {
    check,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
