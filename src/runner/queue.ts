/**
 * A single-consumer async queue: the producer pushes, the consumer iterates; closing with
 * an error makes the iteration throw it after the queued items.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/** Unbounded FIFO of events delivered through one async iterator. */
export class EventQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((e: Error) => void) | undefined;
  private closed = false;
  private error: Error | undefined;
  private iterated = false;

  /** Adds an item (ignored after {@link EventQueue.close}). */
  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failWaiting = undefined;
      w({ value: item, done: false });
    } else this.items.push(item);
  }

  /** No more items; with an error, the iteration throws it once the queue is drained. */
  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    if (this.waiting && this.head >= this.items.length) this.settle();
  }

  private settle(): void {
    const w = this.waiting;
    const f = this.failWaiting;
    this.waiting = this.failWaiting = undefined;
    if (this.error) {
      const e = this.error;
      this.error = undefined;
      f?.(e);
    } else w?.({ value: undefined, done: true });
  }

  /** The one iterator; `onReturn` runs when the consumer stops early (`break`). */
  iterator(onReturn: () => void): AsyncIterator<T> {
    if (this.iterated) throw new NtmdError('ALREADY_ITERATED', 'a trace session can be iterated only once');
    this.iterated = true;
    return {
      next: () => {
        if (this.head < this.items.length) {
          const value = this.items[this.head];
          this.items[this.head++] = undefined as T;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items = this.items.slice(this.head);
            this.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.closed) {
          if (this.error) {
            const e = this.error;
            this.error = undefined;
            return Promise.reject(e);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        onReturn();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
