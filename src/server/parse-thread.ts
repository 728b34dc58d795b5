/**
 * The thread of {@link ParsePool}: answers `{ id, body, name }` with
 * `{ id, file, threadId }` (the body read and prepared for the store, as `prepareFile`) or
 * `{ id, error }`.
 *
 * @packageDocumentation
 */
import { parentPort, threadId } from 'node:worker_threads';
import { prepareFile } from '../store/parse.js';

const port = parentPort!;
port.on('message', (m: { id: number; body: Uint8Array; name: string }) => {
  try {
    const file = prepareFile(m.body, m.name, { keepRaw: true });
    const transfer: ArrayBuffer[] = [];
    for (const b of [file.original, 'raw' in file ? file.raw : null, 'sequence' in file ? file.sequence : null]) {
      if (b && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !transfer.includes(b.buffer as ArrayBuffer))
        transfer.push(b.buffer as ArrayBuffer);
    }
    port.postMessage({ id: m.id, file, threadId }, transfer);
  } catch (e) {
    port.postMessage({ id: m.id, error: { code: (e as { code?: string }).code, message: (e as Error).message } });
  }
});
