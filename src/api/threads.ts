/**
 * When the work of reading a corpus and fitting TF-IDF goes to several threads: the
 * automatic choice by input size, and the thread group started on first need (once per
 * `train()` or command run). See `src/threads.ts` for how items are shared.
 *
 * @packageDocumentation
 */
import { statSync } from 'node:fs';
import type { ThreadGroup } from '../threads.js';
import { pickThreads, scriptExists } from '../threads.js';

/**
 * Automatic threads: one more thread per this many bytes of trace files to read, or of
 * calls to count (measured in docs/benchmarks.md, "Threads": below it, the start of a thread
 * and its imports, 70–100 ms, cost more than they save).
 */
export const AUTO_BYTES_PER_THREAD = 16 * 1024 * 1024;
/** Calls of a corpus per automatic thread of the n-gram count. */
export const AUTO_CALLS_PER_THREAD = 400_000;
/**
 * Above this many calls the automatic n-gram count stays on one thread: the call ids shared
 * with the workers, the parts' arrays beside the merged ones and the workers' heaps add two
 * thirds to the fit's memory (corpus x16: 588 MiB in one thread, 988 MiB in two; see
 * docs/benchmarks.md, "Threads").
 */
export const AUTO_MAX_CALLS = 8_000_000;

/** The threads of one `train()` or command run: started when a step first wants them, closed at the end. */
export class FeatureThreads {
  private started: Promise<ThreadGroup | undefined> | undefined;
  private readonly script = new URL('./feature-thread.js', import.meta.url);

  /** `threads`: the caller's choice (1: none), or `undefined` for automatic. */
  constructor(readonly threads: number | undefined) {}

  /**
   * The group, when `work` units (at `perThread` per automatic thread) are worth threads:
   * started here on first need. `undefined`: stay on this thread (one thread chosen, or
   * running from the TypeScript sources, where no compiled worker script exists).
   */
  async group(work: number, perThread: number): Promise<ThreadGroup | undefined> {
    if (this.started) return this.started;
    const n = pickThreads(this.threads, work, perThread);
    if (n <= 1 || !scriptExists(this.script)) return undefined;
    const { ThreadGroup } = await import('../threads.js');
    this.started = ThreadGroup.start(this.script, n - 1);
    return this.started;
  }

  /** The group for reading `paths` (by their total size). */
  async forFiles(paths: readonly string[]): Promise<ThreadGroup | undefined> {
    if (this.started) return this.started;
    if (this.threads === 1 || paths.length < 2) return undefined;
    let bytes = 0;
    if (this.threads === undefined) for (const p of paths) bytes += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
    return this.group(bytes, AUTO_BYTES_PER_THREAD);
  }

  /** The group for counting the n-grams of `docs` (by their calls). */
  async forDocs(docs: readonly Int32Array[]): Promise<ThreadGroup | undefined> {
    if (this.threads === 1 || docs.length < 2) return undefined;
    let calls = 0;
    for (const d of docs) calls += d.length;
    if (this.threads === undefined && calls > AUTO_MAX_CALLS) return undefined;
    if (this.started) return this.started;
    return this.group(calls, AUTO_CALLS_PER_THREAD);
  }

  /** Ends the threads. */
  async close(): Promise<void> {
    const g = await this.started;
    this.started = undefined;
    await g?.close();
  }
}
