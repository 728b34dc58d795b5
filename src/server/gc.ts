/**
 * Garbage-collector setting of the `ntmaldetect serve` process.
 *
 * Under load, V8 grows the young generation of the HTTP thread to its maximum (16 MiB per
 * semi-space). The old generation of a server is small (about 20 MB live), and once its
 * headroom is below the young generation's capacity V8 keeps incremental marking running:
 * a full mark-compact every ~150 ms instead of cheap scavenges. On the 2-core benchmark
 * machine that costs ~80 µs of background-thread CPU per `/v1/detect` request (concurrent
 * marking) and doubles p99 (docs/benchmarks.md, "HTTP API"). Keeping the young generation
 * at its start-up size (growth factor 1) turns those into frequent sub-millisecond
 * scavenges.
 *
 * This is the one V8 flag that takes effect when set at run time (V8 reads it each time
 * it would grow the young generation); `--max-semi-space-size` does not. It is process-wide,
 * and creating a worker thread resets V8's flags to those of the command line, so it is set
 * again after the detection threads start. `serve` sets it for itself (not for an
 * application that embeds `startServer`), unless started with `--v8-gc-defaults`.
 *
 * @packageDocumentation
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flag {@link tuneServerGc} sets. */
export const SERVER_GC_FLAG = '--semi-space-growth-factor=1';

/** Keeps the young generation at its current size, for the whole process. */
export function tuneServerGc(): void {
  setFlagsFromString(SERVER_GC_FLAG);
}
