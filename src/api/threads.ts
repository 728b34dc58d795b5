/**
 * When the work of reading a corpus and fitting TF-IDF goes to several threads, and the
 * thread group started on first need (once per `train()` or command run). See
 * `src/threads.ts` for how items are shared.
 *
 * Only when asked (`threads` >= 2): the automatic choice is one thread. Measured on a quiet
 * 2-vCPU machine (docs/benchmarks.md, "Threads"), two threads made `train` slower, not faster
 * (the 215-trace corpus: 2018 preset 949 → 1,147 ms, `default` 769 → 942 ms, wall): the count
 * in parts costs a second hash pass, each worker starts and compiles the code again, and the
 * second vCPU does not give a second core's throughput; on the corpus x16 the fit's memory
 * grows by two thirds. A machine with real cores to spare may differ: `--threads N` there.
 *
 * @packageDocumentation
 */
import type { ThreadGroup } from '../threads.js';
import { scriptExists } from '../threads.js';

/** The threads of one `train()` or command run: started when a step first wants them, closed at the end. */
export class FeatureThreads {
  private started: Promise<ThreadGroup | undefined> | undefined;
  private readonly script = new URL('./feature-thread.js', import.meta.url);

  /** `threads`: the caller's choice (1: none), or `undefined` for automatic. */
  constructor(readonly threads: number | undefined) {}

  /**
   * The group, started here on first need. `undefined`: stay on this thread (one thread
   * chosen or automatic, or running from the TypeScript sources, where no compiled worker
   * script exists).
   */
  async group(): Promise<ThreadGroup | undefined> {
    if (this.started) return this.started;
    const n = this.threads ?? 1;
    if (n <= 1 || !scriptExists(this.script)) return undefined;
    const { ThreadGroup } = await import('../threads.js');
    this.started = ThreadGroup.start(this.script, n - 1);
    return this.started;
  }

  /** The group for reading `paths`. */
  async forFiles(paths: readonly string[]): Promise<ThreadGroup | undefined> {
    return paths.length < 2 ? undefined : this.group();
  }

  /** The group for counting the n-grams of `docs`. */
  async forDocs(docs: readonly Int32Array[]): Promise<ThreadGroup | undefined> {
    return docs.length < 2 ? undefined : this.group();
  }

  /** Ends the threads. */
  async close(): Promise<void> {
    const g = await this.started;
    this.started = undefined;
    await g?.close();
  }
}
