/**
 * A detection thread of {@link DetectorPool}: loads the model once, then answers
 * `{ id, body }` messages with `{ id, verdict }` or `{ id, error }`.
 *
 * @packageDocumentation
 */
import { parentPort, workerData } from 'node:worker_threads';
import { detectSync } from '../api/detect.js';
import { loadModelSync } from '../model/model.js';
import { verdictJson } from '../api/verdict-json.js';

const port = parentPort!;
try {
  const { model: bytes } = workerData as { readonly model: Uint8Array };
  const model = loadModelSync(bytes, { source: 'model' });
  port.on('message', (m: { id: number; body: Uint8Array }) => {
    try {
      // The verdict record, as the in-thread ModelDetector answers (docs/cli.md, "Verdict JSON").
      port.postMessage({ id: m.id, verdict: verdictJson(detectSync(m.body, { model, source: 'request body' })) });
    } catch (e) {
      port.postMessage({ id: m.id, error: { code: (e as { code?: string }).code, message: (e as Error).message } });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ error: (e as Error).message });
}
