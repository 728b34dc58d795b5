/**
 * Checks of the paths a command will write, made before any work: a user who names a
 * missing folder learns it at once, in one line naming the path, not after minutes of
 * training as a system error. (Not a command: the commands are listed in `commands.ts`.)
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { NtmdError } from '../errors.js';

/** A path a command was asked to write cannot be written: missing folder, a folder, no permission. */
export class OutputPathError extends NtmdError {
  /** The path as the user gave it. */
  readonly path: string;
  constructor(what: string, path: string, detail: string) {
    super('OUTPUT_PATH', `${what} ${path}: ${detail}`);
    this.path = path;
  }
}

/** A path a command was asked to read cannot be read as what it should be. */
export class InputPathError extends NtmdError {
  /** The path as the user gave it. */
  readonly path: string;
  constructor(what: string, path: string, detail: string) {
    super('INPUT_PATH', `${what} ${path}: ${detail}`);
    this.path = path;
  }
}

function statOrCode(path: string): Stats | string {
  try {
    return statSync(path);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function reason(code: string): string {
  return code === 'EACCES' || code === 'EPERM'
    ? 'permission denied'
    : code === 'ENOTDIR'
      ? 'a part of the path is a file, not a folder'
      : code;
}

/**
 * Checks that `path` (relative to `cwd`) can be written as a file: its folder exists, is a
 * folder and is writable, and the path is not a folder (nor an existing read-only file).
 * Returns the absolute path. `what` names the option in the message, e.g. `--out`.
 */
export function checkOutputFile(path: string, cwd: string, what: string): string {
  const abs = resolve(cwd, path);
  const self = statOrCode(abs);
  if (typeof self !== 'string') {
    if (self.isDirectory()) throw new OutputPathError(what, path, 'is a folder: give a file path');
    if (!writable(abs)) throw new OutputPathError(what, path, 'the file exists and is not writable');
  } else if (self !== 'ENOENT' && self !== 'ENOTDIR') {
    throw new OutputPathError(what, path, `cannot be written (${reason(self)})`);
  }
  const parent = dirname(abs);
  const shown = shownAs(parent, path, cwd);
  const up = statOrCode(parent);
  if (typeof up === 'string') {
    // ENOTDIR: a file further up, which the folder check names.
    if (up === 'ENOTDIR') checkOutputDir(dirname(path), cwd, what);
    throw new OutputPathError(
      what,
      path,
      up === 'ENOENT' ? `the folder ${shown} does not exist` : `cannot reach the folder ${shown} (${reason(up)})`,
    );
  }
  if (!up.isDirectory()) throw new OutputPathError(what, path, `${shown} is not a folder`);
  if (!writable(parent)) throw new OutputPathError(what, path, `cannot write into the folder ${shown} (permission denied)`);
  return abs;
}

/** A folder above `path` as the user would write it: relative when `path` was. */
function shownAs(dir: string, path: string, cwd: string): string {
  return isAbsolute(path) ? dir : relative(resolve(cwd), dir) || '.';
}

/**
 * Checks that `path` (relative to `cwd`) can be used as an output folder: it is a writable
 * folder, or it does not exist yet and its nearest existing ancestor is a writable folder
 * (the command creates it, as `mkdir -p`). Returns the absolute path.
 */
export function checkOutputDir(path: string, cwd: string, what: string): string {
  const abs = resolve(cwd, path);
  const self = statOrCode(abs);
  if (typeof self !== 'string') {
    if (!self.isDirectory()) throw new OutputPathError(what, path, 'is a file, not a folder');
    if (!writable(abs)) throw new OutputPathError(what, path, 'cannot write into this folder (permission denied)');
    return abs;
  }
  if (self !== 'ENOENT' && self !== 'ENOTDIR') throw new OutputPathError(what, path, `cannot be used as a folder (${reason(self)})`);
  let dir = dirname(abs);
  for (;;) {
    const st = statOrCode(dir);
    if (typeof st !== 'string') {
      if (!st.isDirectory()) throw new OutputPathError(what, path, `${shownAs(dir, path, cwd)} is a file, not a folder`);
      if (!writable(dir))
        throw new OutputPathError(what, path, `cannot create it in the folder ${shownAs(dir, path, cwd)} (permission denied)`);
      return abs;
    }
    if (st !== 'ENOENT' && st !== 'ENOTDIR')
      throw new OutputPathError(what, path, `cannot reach ${shownAs(dir, path, cwd)} (${reason(st)})`);
    const next = dirname(dir);
    if (next === dir) throw new OutputPathError(what, path, 'no part of the path exists');
    dir = next;
  }
}

/** Checks that `path` (relative to `cwd`) is an existing folder; returns the absolute path. */
export function checkInputDir(path: string, cwd: string, what: string): string {
  const abs = resolve(cwd, path);
  const st = statOrCode(abs);
  if (typeof st === 'string') throw new InputPathError(what, path, st === 'ENOENT' ? 'no such folder' : `cannot be read (${reason(st)})`);
  if (!st.isDirectory()) throw new InputPathError(what, path, 'is a file, not a folder');
  return abs;
}

/** The line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Parses JSON text read from `path`; a syntax error becomes an {@link InputPathError}
 * naming the file, the line and the column.
 */
export function parseJsonFile(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    const where = m ? lineColumn(text, Number(m[1])) : /Unexpected end of JSON input/.test(msg) ? lineColumn(text, text.length) : undefined;
    const detail = msg
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/ at position \d+.*$/, '')
      .replace(/^Unexpected end of JSON input$/, 'unexpected end of the text');
    throw new InputPathError(what, path, `not valid JSON${where ? ` at line ${where.line}, column ${where.column}` : ''}: ${detail}`);
  }
}

/** A file-reading failure in words: `no such file`, `is a folder, not a file`, `permission denied`. */
export function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  return code ?? (e as Error).message;
}
