/**
 * Test helper: what a call throws, as `"CODE: message"` for ntmaldetect's typed errors
 * (`"no error"` when it returns). Any other error is rethrown, so a test cannot pass on an
 * untyped failure.
 */
import { isNtmdError } from '../../errors.js';

function describeError(e: unknown): string {
  if (isNtmdError(e)) return `${e.code}: ${e.message}`;
  throw e;
}

/** The typed error `f` throws, synchronously. */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return describeError(e);
  }
  return 'no error';
}

/** The typed error `f` throws or rejects with. */
export async function errorOfAsync(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return describeError(e);
  }
  return 'no error';
}
