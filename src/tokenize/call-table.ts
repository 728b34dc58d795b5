/**
 * Interning of call names to small integer ids.
 *
 * Every part downstream of the reader (n-grams, the vocabulary, the model file) works on
 * integer call ids, never on joined strings. A {@link CallTable} assigns ids in first-seen
 * order; sharing one table across the traces of a corpus gives them a common id space.
 */

/** Maps call names to dense ids `0..size-1` and back. */
export class CallTable {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];

  /** Creates a table, optionally pre-filled with names (ids follow their order). */
  constructor(names: Iterable<string> = []) {
    for (const n of names) this.intern(n);
  }

  /** Number of distinct names. */
  get size(): number {
    return this.list.length;
  }

  /** The id of `name`, adding it if new. */
  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.list.length;
      this.ids.set(name, id);
      this.list.push(name);
    }
    return id;
  }

  /** The id of `name`, or -1 if it is not in the table. */
  idOf(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  /** The name of `id`. Throws a RangeError for an id outside the table. */
  nameOf(id: number): string {
    const n = this.list[id];
    if (n === undefined) throw new RangeError(`call id ${id} is not in the table (size ${this.list.length})`);
    return n;
  }

  /** All names, indexed by id (a copy). */
  names(): string[] {
    return this.list.slice();
  }
}
