/**
 * fflate, loaded the first time it is needed: only gzip'd traces use it (model files are not compressed),
 * and loading it costs about 30 ms of CPU, a fifth of a Node process's start-up here
 * (docs/benchmarks.md, reader: start-up alone). Synchronous (the reader is), through fflate's
 * CommonJS build.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';

type Fflate = typeof import('fflate');

let loaded: Fflate | undefined;

/** The fflate module (loaded on first call). */
export function fflate(): Fflate {
  return (loaded ??= createRequire(import.meta.url)('fflate') as Fflate);
}
