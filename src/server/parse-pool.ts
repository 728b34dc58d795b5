/**
 * Reading large trace bodies off the HTTP thread: `prepareFile` (parse, reduce, hash,
 * compress) of a contributed or posted trace runs in a worker thread once the body is
 * {@link OFF_THREAD_BYTES} or more, so that a 64 MiB upload does not stall every other
 * request. Smaller bodies are read in place (a thread round trip costs more than they do).
 *
 * The thread is started on first use and does not keep the process alive. Run from the
 * TypeScript sources (tests without a build), where the compiled thread script does not
 * exist, bodies are read in place.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, threadId } from 'node:worker_threads';
import { prepareFile } from '../store/parse.js';
import type { PreparedFile } from '../store/parse.js';
import { MalformedTraceError } from './errors.js';

/** Bodies of this many bytes or more are read in the parse thread. */
export const OFF_THREAD_BYTES = 1024 * 1024;

/** Where a body was read: for tests and the `onParse` hook. */
export interface ParseInfo {
  bytes: number;
  /** `worker_threads` id of the thread that read it (0: the main thread). */
  threadId: number;
}

interface Pending {
  resolve: (r: { file: PreparedFile; threadId: number }) => void;
  reject: (e: Error) => void;
}

/** A single worker thread reading trace bodies, started on demand. */
export class ParsePool {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly script = new URL('./parse-thread.js', import.meta.url);
  /** Called after each body is read, with where it was read. */
  onParse: ((info: ParseInfo) => void) | undefined;

  constructor(private readonly threshold = OFF_THREAD_BYTES) {}

  /** Whether bodies of this size go to the thread (the compiled thread script exists). */
  offThread(bytes: number): boolean {
    return bytes >= this.threshold && existsSync(fileURLToPath(this.script));
  }

  /** `prepareFile(body, name, { keepRaw: true })`, in the thread for a large body. */
  async prepare(body: Uint8Array, name: string): Promise<PreparedFile> {
    if (!this.offThread(body.length)) {
      const file = prepareFile(body, name, { keepRaw: true });
      this.onParse?.({ bytes: body.length, threadId });
      return file;
    }
    const w = this.start();
    const id = ++this.seq;
    if (this.pending.size === 0) w.ref();
    const out = await new Promise<{ file: PreparedFile; threadId: number }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, body, name });
    });
    this.onParse?.({ bytes: body.length, threadId: out.threadId });
    return out.file;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.unref();
    w.on('message', (m: { id: number; file?: PreparedFile; threadId?: number; error?: { code?: string; message: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.file) p.resolve({ file: m.file, threadId: m.threadId ?? -1 });
      else p.reject(new MalformedTraceError(m.error?.message ?? 'the trace could not be read', m.error?.code ?? 'MALFORMED_TRACE'));
    });
    const broken = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', broken);
    w.on('exit', () => broken(new Error('the parse thread stopped')));
    this.worker = w;
    return w;
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
