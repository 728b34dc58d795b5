/**
 * Work on several cores: a group of worker threads and the calling thread share the items
 * of a job (a list of traces, of documents, of folds), each claiming the next unclaimed item
 * through one shared counter, so a thread that starts late (a worker's start and imports take
 * 70–100 ms) or meets a long item never holds the others up. Results come back by item
 * index, so a caller assembles them in input order whatever thread produced them.
 *
 * Errors: the first failing item (lowest index) decides. Claiming stops as soon as any item
 * fails; the items below it are finished (one of them may fail too). When the failing item
 * was a worker's, the calling thread runs that item again itself, which throws the very
 * error (its class, code and message) the single-thread path throws. A worker that dies
 * (out of memory, a missing script) rejects the job with its error. {@link ThreadGroup.close}
 * ends every worker; callers close in `finally`.
 *
 * Nothing here loads a worker script by itself: the caller names the script (which
 * registers its jobs with {@link serveJobs}), so `import 'ntmaldetect'` starts no thread.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from './errors.js';

/** One started job on one thread: `item(i)` for each item it claims, then `end()` once. */
export interface JobRun<R = unknown, E = unknown> {
  /** The result of item `i` (sent back to the calling thread; typed arrays are moved). */
  item(i: number): R | Promise<R>;
  /** What the thread hands back once it has no item left (e.g. its share of a merged count). */
  end?(): E;
}

/** Starts a job on a thread from the job's data (the same data on every thread). */
export type Job<D = unknown, R = unknown, E = unknown> = (data: D) => JobRun<R, E>;

/** What {@link ThreadGroup.run} returns: every item's result by index, and each thread's `end()`. */
export interface JobResult<R, E> {
  /** Result of item i, whichever thread ran it. */
  readonly items: R[];
  /** The `end()` value of each thread that ran the job (the calling thread's first), with the items it ran. */
  readonly ends: { readonly value: E; readonly items: readonly number[] }[];
}

/**
 * Validates a `threads` option: an integer >= 1, or `undefined` / `'auto'` for automatic.
 * Throws {@link InvalidOptionError} naming `name`.
 */
export function checkThreads(value: unknown, name = 'threads'): number | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 256) {
    throw new InvalidOptionError(name, "an integer from 1 to 256, or 'auto'", value);
  }
  return value;
}

/** The cores this process may use (`os.availableParallelism()`). */
export function cores(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Cores not busy with other work: the cores less the last minute's load average (rounded),
 * at least 1. On a machine whose cores are all busy a second thread of ours only shares a
 * core with the first (measured in docs/benchmarks.md, "Threads").
 */
export function idleCores(): number {
  return Math.max(1, cores() - Math.round(loadavg()[0]));
}

/**
 * Threads to use for `work` units when the caller set `threads` (else automatic): one
 * more thread per `perThread` units of work (the second from `perThread` on), at most the
 * cores that are idle ({@link idleCores}).
 */
export function pickThreads(threads: number | undefined, work: number, perThread: number): number {
  if (threads !== undefined) return threads;
  return Math.max(1, Math.min(idleCores(), 1 + Math.floor(work / perThread)));
}

/** Whether the compiled worker script exists (it does not when running from the TypeScript sources). */
export function scriptExists(script: URL): boolean {
  return existsSync(fileURLToPath(script));
}

interface WorkerReply {
  readonly run: number;
  readonly i?: number;
  readonly value?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
  readonly end?: unknown;
  readonly done?: boolean;
}

/** Structured-clone transfer list: the whole-buffer typed arrays of a value (three levels deep). */
function transfers(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (value === null || typeof value !== 'object' || depth > 3) return out;
  if (ArrayBuffer.isView(value)) {
    const b = value.buffer;
    if (b instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === b.byteLength && !out.includes(b)) out.push(b);
    return out;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transfers(v, out, depth + 1);
  return out;
}

/** Number of worker threads started by this thread so far (tests read it to see that threads ran). */
export let threadsStarted = 0;

/**
 * The worker side: answers the jobs of a {@link ThreadGroup} with `jobs[name]`. Call it once
 * at the top level of a worker script.
 */
export async function serveJobs(jobs: Readonly<Record<string, Job<never>>>): Promise<void> {
  const { parentPort } = await import('node:worker_threads');
  const port = parentPort!;
  port.on('message', (m: { run: number; job: string; data: unknown; counter: Int32Array; n: number }) => {
    void (async () => {
      // Every item already taken (the other threads were quicker): no job to start.
      if (Atomics.load(m.counter, 0) >= m.n) {
        port.postMessage({ run: m.run, done: true } satisfies WorkerReply);
        return;
      }
      let job: JobRun;
      try {
        job = jobs[m.job](m.data as never);
      } catch (e) {
        port.postMessage({ run: m.run, error: errorOf(e), done: true } satisfies WorkerReply);
        return;
      }
      for (let i = Atomics.add(m.counter, 0, 1); i < m.n; i = Atomics.add(m.counter, 0, 1)) {
        try {
          const value = await job.item(i);
          port.postMessage({ run: m.run, i, value } satisfies WorkerReply, transfers(value));
        } catch (e) {
          Atomics.store(m.counter, 0, m.n);
          port.postMessage({ run: m.run, i, error: errorOf(e) } satisfies WorkerReply);
          break;
        }
      }
      try {
        const end = job.end?.();
        port.postMessage({ run: m.run, end, done: true } satisfies WorkerReply, transfers(end));
      } catch (e) {
        port.postMessage({ run: m.run, error: errorOf(e), done: true } satisfies WorkerReply);
      }
    })();
  });
}

function errorOf(e: unknown): { message: string; code?: string } {
  const code = (e as { code?: unknown }).code;
  return { message: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' ? { code } : {}) };
}

/**
 * Worker threads running one script, plus the calling thread: see the module's description.
 * Start with {@link ThreadGroup.start}; always {@link close}.
 */
export class ThreadGroup {
  private runs = 0;
  private closed = false;

  private constructor(
    private readonly workers: import('node:worker_threads').Worker[],
    /** Set when a worker died: every later run fails with it. */
    private broken: Error | undefined,
  ) {}

  /** Worker threads in the group (the calling thread works too). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `workers` threads on `script` (a compiled worker script that calls
   * {@link serveJobs}). Returns at once: the threads load while the caller works, and join
   * a job's items when they are ready.
   */
  static async start(script: URL, workers: number): Promise<ThreadGroup> {
    const { Worker } = await import('node:worker_threads');
    const list: import('node:worker_threads').Worker[] = [];
    for (let k = 0; k < workers; k++) {
      list.push(new Worker(script));
      threadsStarted++;
    }
    const group = new ThreadGroup(list, undefined);
    for (const w of list) {
      w.on('error', (e) => {
        group.broken ??= e;
      });
    }
    return group;
  }

  /**
   * Runs `job` over items `0 .. n-1` on every worker (`name`, started from `data`) and on the
   * calling thread (`local`, the same job in this thread). Resolves when every item is done;
   * rejects with the error of the lowest failing item (see the module's description).
   * `onItem` is called in this thread as each item is done, whichever thread ran it.
   */
  async run<D, R, E>(name: string, data: D, n: number, local: JobRun<R, E>, onItem?: (i: number) => void): Promise<JobResult<R, E>> {
    if (this.closed) throw new Error('the thread group is closed');
    if (this.broken) throw this.broken;
    const run = ++this.runs;
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const items = new Array<R>(n);
    const ends: { value: E; items: number[] }[] = [];
    const failures: { i: number; error: unknown; local: boolean }[] = [];
    // Done when every item has its result and every worker that ran one has sent its end();
    // a worker that ran none (still starting) is not waited for. After a failure, every
    // worker is waited for (the items claimed are then not known).
    let received = 0;
    const contributed = new Set<number>();
    const finished = new Set<number>();
    let wake: (() => void) | undefined;
    const check = (): void => {
      const done =
        failures.length > 0 ? finished.size === this.workers.length : received === n && [...contributed].every((k) => finished.has(k));
      if (done && wake) {
        wake();
        wake = undefined;
      }
    };
    const detach = this.workers.map((w, k) => {
      const mine: number[] = [];
      const onMessage = (m: WorkerReply): void => {
        if (m.run !== run) return;
        if (m.i !== undefined) {
          received++;
          if (m.error) {
            failures.push({ i: m.i, error: m.error, local: false });
            Atomics.store(counter, 0, n);
          } else {
            items[m.i] = m.value as R;
            mine.push(m.i);
            contributed.add(k);
            onItem?.(m.i);
          }
        }
        if (m.done) {
          if (m.error && m.i === undefined) failures.push({ i: -1, error: m.error, local: false });
          else if (!m.error && mine.length > 0) ends.push({ value: m.end as E, items: mine });
          finish();
        }
        check();
      };
      const onError = (e: Error): void => {
        failures.push({ i: -1, error: e, local: true });
        Atomics.store(counter, 0, n);
        finish();
        check();
      };
      const onExit = (): void => onError(this.broken ?? new Error('a worker thread stopped'));
      const finish = (): void => {
        finished.add(k);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ run, job: name, data, counter, n });
      return finish;
    });
    // The calling thread claims items too.
    const mine: number[] = [];
    for (let i = Atomics.add(counter, 0, 1); i < n; i = Atomics.add(counter, 0, 1)) {
      try {
        items[i] = await local.item(i);
        received++;
        mine.push(i);
        onItem?.(i);
      } catch (e) {
        Atomics.store(counter, 0, n);
        failures.push({ i, error: e, local: true });
        break;
      }
    }
    if (failures.length === 0) {
      try {
        ends.unshift({ value: local.end?.() as E, items: mine });
      } catch (e) {
        failures.push({ i: -1, error: e, local: true });
      }
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      check();
    });
    // Workers not waited for (they ran no item) answer this run later: no one listens.
    for (const finish of detach) finish();
    if (failures.length > 0) {
      // A thread that died or a failed start first; then the lowest failing item.
      failures.sort((a, b) => a.i - b.i);
      const f = failures[0];
      if (f.local) throw f.error;
      if (f.i >= 0) {
        // The same item in this thread throws the error the single-thread path throws.
        await local.item(f.i);
      }
      const e = f.error as { message: string; code?: string };
      throw Object.assign(new Error(e.message), e.code !== undefined ? { code: e.code } : {});
    }
    return { items, ends };
  }

  /** Ends every worker thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
