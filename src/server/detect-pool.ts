/**
 * Verdicts on several cores: a pool of worker threads, each holding its own copy of the
 * model, so that the server's main thread only does HTTP while `detectSync()` runs in
 * parallel (`serve --threads N`). A body the caller gives up (`consume`) and that owns its
 * whole ArrayBuffer (as `readBody` returns them) is transferred to the thread, not
 * copied; a body in a `SharedArrayBuffer` (a large trace body, see `BodyLimits.shareLarge`)
 * is shared; any other body is copied. Verdicts come back as plain objects.
 *
 * @packageDocumentation
 */
import { Worker } from 'node:worker_threads';
import type { DetectOptions, TraceDetector, VerdictJson } from './backend.js';
import { ownsBuffer } from './body.js';
import { MalformedTraceError } from './errors.js';
import { NOT_A_TRACE } from './not-a-trace.js';

interface Pending {
  resolve: (v: VerdictJson) => void;
  reject: (e: Error) => void;
}

interface Reply {
  id: number;
  verdict?: VerdictJson;
  error?: { code?: string; message: string };
}

/** A {@link TraceDetector} whose `detect` runs in one of `threads` worker threads. */
export class DetectorPool implements TraceDetector {
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];

  private constructor(
    readonly model: TraceDetector['model'],
    private readonly workers: Worker[],
  ) {
    this.load = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on('message', (m: Reply) => {
        this.load[i]--;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.verdict) p.resolve(m.verdict);
        else if (m.error?.code && NOT_A_TRACE.has(m.error.code)) p.reject(new MalformedTraceError(m.error.message, m.error.code));
        else p.reject(new Error(m.error?.message ?? 'detection thread failed'));
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    });
  }

  /** Starts `threads` threads, each loading the model from `modelBytes`. */
  static async create(modelBytes: Uint8Array, model: TraceDetector['model'], threads: number): Promise<DetectorPool> {
    const url = new URL('./detect-thread.js', import.meta.url);
    const workers: Worker[] = [];
    for (let i = 0; i < threads; i++) workers.push(new Worker(url, { workerData: { model: modelBytes } }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
            w.once('error', reject);
          }),
      ),
    );
    return new DetectorPool(model, workers);
  }

  /** Sends the body to the least busy thread. */
  detect(body: Uint8Array, options?: DetectOptions): Promise<VerdictJson> {
    let best = this.next;
    for (let i = 0; i < this.workers.length; i++) if (this.load[i] < this.load[best]) best = i;
    this.next = (this.next + 1) % this.workers.length;
    const id = ++this.seq;
    this.load[best]++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (options?.consume === true && ownsBuffer(body)) this.workers[best].postMessage({ id, body }, [body.buffer as ArrayBuffer]);
      else this.workers[best].postMessage({ id, body });
    });
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
