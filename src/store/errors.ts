/**
 * Typed errors of the trace store (`ntmaldetect/store`). All extend {@link NtmdError}, so
 * callers can switch on `err.code`.
 */
import { NtmdError } from '../errors.js';

/** The database driver a store needs (`@electric-sql/pglite` or `pg`) is not installed. */
export class StoreDriverMissingError extends NtmdError {
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, purpose: string, cause?: unknown) {
    super(
      'STORE_DRIVER_MISSING',
      `the trace store needs the optional package ${packageName} for ${purpose}: install it with 'npm install ${packageName}'`,
      { cause },
    );
    this.packageName = packageName;
  }
}

/** An embedded (PGlite) store folder is already open in another process. */
export class StoreLockedError extends NtmdError {
  /** The store folder. */
  readonly path: string;
  /** Process id of the owner, when known. */
  readonly ownerPid: number | undefined;

  constructor(path: string, ownerPid: number | undefined) {
    super(
      'STORE_LOCKED',
      `the embedded store ${path} is already open in process ${ownerPid ?? '(unknown)'}: ` +
        'an embedded store has one owner at a time; use PostgreSQL (--db postgres://...) for several processes',
    );
    this.path = path;
    this.ownerPid = ownerPid;
  }
}

/** An embedded store's folder cannot be used: the path is a file, or cannot be created. */
export class StorePathError extends NtmdError {
  /** The store folder as given. */
  readonly path: string;

  constructor(path: string, detail: string) {
    super('STORE_PATH', `store ${path}: ${detail}`);
    this.path = path;
  }
}

/** The database holds a schema newer than this version of ntmaldetect understands. */
export class StoreSchemaError extends NtmdError {
  constructor(message: string) {
    super('STORE_SCHEMA', message);
  }
}

/** A trace, submission, snapshot or model named by the caller does not exist in the store. */
export class StoreNotFoundError extends NtmdError {
  constructor(what: string) {
    super('STORE_NOT_FOUND', `${what} is not in the store`);
  }
}

/** A snapshot can no longer be loaded exactly: some of its traces were deleted since. */
export class SnapshotIncompleteError extends NtmdError {
  readonly snapshotId: string;
  readonly missing: number;

  constructor(snapshotId: string, expected: number, found: number) {
    super(
      'SNAPSHOT_INCOMPLETE',
      `snapshot ${snapshotId} recorded ${expected} documents but only ${found} are still in the store (${expected - found} deleted since)`,
    );
    this.snapshotId = snapshotId;
    this.missing = expected - found;
  }
}

/** A stored call sequence could not be decoded (corrupt blob or unknown encoding). */
export class TraceEncodingError extends NtmdError {
  constructor(what: string, detail: string) {
    super('TRACE_ENCODING', `${what}: ${detail}`);
  }
}

/** A trace or submission reference matches more than one trace. */
export class AmbiguousReferenceError extends NtmdError {
  constructor(ref: string, matches: number) {
    super('STORE_AMBIGUOUS', `${JSON.stringify(ref)} matches ${matches} traces: give more characters of the SHA-256`);
  }
}

/** An import was given a folder or file that cannot be read as traces. */
export class ImportSourceError extends NtmdError {
  /** The offending path. */
  readonly path: string;

  constructor(path: string, detail: string) {
    super('IMPORT_SOURCE', `${path}: ${detail}`);
    this.path = path;
  }
}

/** An export would overwrite an existing file. */
export class ExportTargetExistsError extends NtmdError {
  readonly path: string;

  constructor(path: string) {
    super('EXPORT_EXISTS', `${path} already exists: export into an empty folder, or pass overwrite`);
    this.path = path;
  }
}
