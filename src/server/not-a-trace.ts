/**
 * The reader errors that mean "this body is not a usable trace" (HTTP 422), shared by the
 * in-thread detector (`detector.ts`) and the detection threads' pool (`detect-pool.ts`),
 * which `detector.ts` loads: kept apart so that neither imports the other.
 */
import { REFUSED_CODES } from '../api/verdict-json.js';

/** Reader errors that mean "this body is not a usable trace" (422), by code. */
export const NOT_A_TRACE: ReadonlySet<string> = new Set([...REFUSED_CODES, 'CORRUPT_GZIP']);
