/**
 * Typed errors of the corpus loader.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/** A corpus folder (or file list) holds no trace at all. Code `EMPTY_CORPUS`. */
export class EmptyCorpusError extends NtmdError {
  /** The folder or description of the inputs. */
  readonly location: string;

  constructor(location: string, detail: string) {
    super('EMPTY_CORPUS', `${location} holds no trace: ${detail}`);
    this.location = location;
  }
}

/** A corpus path does not exist or is neither a folder nor a file. Code `CORPUS_NOT_FOUND`. */
export class CorpusNotFoundError extends NtmdError {
  /** The missing path. */
  readonly path: string;

  constructor(path: string, expected: string) {
    super('CORPUS_NOT_FOUND', `${path} not found: expected ${expected}`);
    this.path = path;
  }
}
