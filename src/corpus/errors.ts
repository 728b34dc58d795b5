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

  /** `found`: what is there instead (e.g. `a file`), when the path exists. */
  constructor(path: string, expected: string, found?: string) {
    super('CORPUS_NOT_FOUND', `${path} ${found === undefined ? 'not found' : `is ${found}`}: expected ${expected}`);
    this.path = path;
  }
}

/**
 * A dataset file (`--format words|csv|tsv`) cannot be read as one: a bad row, a missing or
 * unknown label, a missing column, a binary file. Code `BAD_DATASET`; the message starts with
 * `FILE:LINE:` (or `FILE:` when no line is at fault).
 */
export class DatasetError extends NtmdError {
  /** The file. */
  readonly source: string;
  /** 1-based line at fault, or null. */
  readonly line: number | null;
  /** The file is binary, not text. */
  readonly binary: boolean;

  constructor(source: string, line: number | null, problem: string, binary = false) {
    super(
      'BAD_DATASET',
      line === null ? `${source}: ${problem.replace(/^(is|has) /, (m) => `the file ${m}`)}` : `${source}:${line}: ${problem}`,
    );
    this.source = source;
    this.line = line;
    this.binary = binary;
  }
}
