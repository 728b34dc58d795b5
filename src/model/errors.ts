/**
 * Typed errors of the model layer: configuration, the `.ntmd` model file, and loading a
 * model. Each has a stable `code` (see {@link NtmdError}).
 */
import { NtmdError } from '../errors.js';

/** A preset name that is not registered. */
export class UnknownPresetError extends NtmdError {
  readonly preset: string;
  constructor(preset: string, known: readonly string[]) {
    super('UNKNOWN_PRESET', `unknown preset ${JSON.stringify(preset)}; known presets: ${known.join(', ')}`);
    this.preset = preset;
  }
}

/** Base class of every failure to read a model file; `source` names the file (or "bytes"). */
export class ModelFileError extends NtmdError {
  /** The file path, or `"<bytes>"` when the model was given as bytes. */
  readonly source: string;
  constructor(code: string, source: string, detail: string) {
    super(code, `${source}: ${detail}`);
    this.source = source;
  }
}

/** The model file cannot be read at all (missing, a folder, no permission). */
export class UnreadableModelError extends ModelFileError {
  /** The system error code (`ENOENT`, `EISDIR`, `EACCES`, ...). */
  readonly reason: string;
  constructor(source: string, reason: string) {
    const what =
      reason === 'ENOENT' ? 'no such file' : reason === 'EISDIR' ? 'is a folder' : reason === 'EACCES' ? 'permission denied' : reason;
    super('MODEL_UNREADABLE', source, `cannot read the model file: ${what}`);
    this.reason = reason;
  }
}

/** The bytes are not an ntmaldetect model at all (wrong magic bytes). */
export class ForeignModelError extends ModelFileError {
  constructor(source: string, detail: string) {
    super('MODEL_FOREIGN', source, `not an ntmaldetect model file (${detail})`);
  }
}

/** The file ends before the lengths it declares. */
export class TruncatedModelError extends ModelFileError {
  constructor(source: string, detail: string) {
    super('MODEL_TRUNCATED', source, `model file is truncated: ${detail}`);
  }
}

/** The SHA-256 over the content does not match: the file was altered or damaged. */
export class TamperedModelError extends ModelFileError {
  constructor(source: string, detail: string) {
    super('MODEL_TAMPERED', source, `model file checksum mismatch (altered or damaged): ${detail}`);
  }
}

/** The file was written by a newer format version than this library reads. */
export class NewerModelVersionError extends ModelFileError {
  readonly version: number;
  constructor(source: string, version: number, supported: number) {
    super(
      'MODEL_NEWER_VERSION',
      source,
      `model format version ${version} is newer than the supported version ${supported}: upgrade ntmaldetect`,
    );
    this.version = version;
  }
}

/** The checksum is right but the content is malformed (a field, a length or a value is invalid). */
export class InvalidModelError extends ModelFileError {
  constructor(source: string, detail: string) {
    super('MODEL_INVALID', source, `invalid model content: ${detail}`);
  }
}

/** The Ed25519 signature does not verify against the public key stored with it. */
export class BadSignatureError extends ModelFileError {
  constructor(source: string, detail: string) {
    super('MODEL_BAD_SIGNATURE', source, `model signature does not verify: ${detail}`);
  }
}

/** A trusted key was required and the model is unsigned or signed by another key. */
export class UntrustedModelError extends ModelFileError {
  constructor(source: string, detail: string) {
    super('MODEL_UNTRUSTED', source, `model is not signed by the trusted key: ${detail}`);
  }
}

/** A signing or trust key could not be read or is not an Ed25519 key. */
export class KeyError extends NtmdError {
  constructor(detail: string) {
    super('BAD_KEY', detail);
  }
}

/** `detect()` was called without a model and the shipped default model is missing. */
export class NoDefaultModelError extends NtmdError {
  readonly path: string;
  constructor(path: string) {
    super(
      'NO_DEFAULT_MODEL',
      `no model given and the default model is missing (${path}); pass a model (detect(input, { model }), --model F) or train one with 'ntmaldetect train'`,
    );
    this.path = path;
  }
}
