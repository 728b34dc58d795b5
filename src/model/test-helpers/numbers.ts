import { CallTable } from '../../tokenize/call-table.js';

/** Traces of Linux system-call numbers: benign loop around `6 63 6`, malicious around `11 195 11`. */
export function numbers(): { docs: Int32Array[]; labels: Uint8Array; table: CallTable } {
  const table = new CallTable();
  const docs: Int32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 12; i++) {
    const mal = i % 2;
    const base = mal ? ['11', '195', '11', '3', '5'] : ['6', '63', '6', '3', '5'];
    const calls: string[] = [];
    for (let k = 0; k < 8 + i; k++) calls.push(base[(k * (i + 1)) % base.length], base[k % base.length]);
    docs.push(Int32Array.from(calls, (c) => table.intern(c)));
    labels.push(mal);
  }
  return { docs, labels: Uint8Array.from(labels), table };
}
