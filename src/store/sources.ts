/**
 * Lists the files an import takes: a folder in the NtMalDetect layout (`sysBEN/` benign,
 * `sysMAL/` malicious), `{ benign, malicious }` folders or files, or explicit items.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ImportSourceError } from './errors.js';
import type { Label, LabelName } from './filter.js';
import type { PreparedFile } from './parse.js';
import { parseLabel } from './filter.js';

/** Where a trace came from, recorded with its submission. */
export interface ProvenanceInput {
  /** SHA-256 of the traced program (lower-case hex). */
  programSha256?: string;
  /** Name of the traced program; by default derived from the file name (`LOG_x.exe.txt` gives `x.exe`). */
  programName?: string;
  /** Who submitted the trace. */
  submitter?: string;
  /** Options the tracer ran with (free-form JSON). */
  tracerOptions?: Record<string, unknown>;
  /** When the program was traced. */
  tracedAt?: Date | string;
}

/** One file to import, given explicitly (an upload, or a file picked by a caller). */
export interface ImportItem {
  /** File name without folders, e.g. `LOG_epo.exe.txt`. */
  name: string;
  label: Label | LabelName;
  /** Read the bytes from this path ... */
  path?: string;
  /** ... or take them from memory. */
  bytes?: Uint8Array;
  /** Source tag (defaults to the import's `source`, else the file's folder name). */
  source?: string;
  provenance?: ProvenanceInput;
  /**
   * The bytes already read by `prepareFile(bytes, name, { keepRaw: true })` (e.g. in a
   * worker thread): the import does not read them again. Only with `bytes`.
   */
  prepared?: PreparedFile;
}

/** Folders in the NtMalDetect layout, or benign and malicious folders or files. */
export type FolderSpec = string | { benign: string | readonly string[]; malicious: string | readonly string[] };

/** What `Store.import` accepts. */
export type ImportInput = FolderSpec | readonly ImportItem[];

/** An item with its label resolved and its size known. */
export interface ListedItem {
  name: string;
  label: Label;
  path?: string;
  bytes?: Uint8Array;
  size: number;
  source: string;
  provenance?: ProvenanceInput;
  prepared?: PreparedFile;
  /** Why this item is refused (a bad name): reported in the import's `failed`, the others stored. */
  refused?: ImportSourceError;
}

/** Layout folder of each label, as in the NtMalDetect repository. */
export const LAYOUT_DIRS = ['sysBEN', 'sysMAL'] as const;

function filesOf(path: string, label: Label, source: string | undefined): ListedItem[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new ImportSourceError(path, 'no such file or folder');
  }
  if (st.isFile()) return [{ name: basename(path), label, path, size: st.size, source: source ?? basename(dirname(resolve(path))) }];
  if (!st.isDirectory()) throw new ImportSourceError(path, 'neither a file nor a folder');
  const out: ListedItem[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    const s = statSync(full);
    if (!s.isFile()) continue;
    out.push({ name: entry.name, label, path: full, size: s.size, source: source ?? basename(resolve(path)) });
  }
  return out;
}

const byName = (a: ListedItem, b: ListedItem): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Lists what to import, benign files (sorted by name) before malicious ones, the order of
 * the corpus reader.
 */
export function listImport(input: ImportInput, source: string | undefined): ListedItem[] {
  if (Array.isArray(input)) {
    return (input as readonly ImportItem[]).map((it, i) => {
      if (typeof it.name !== 'string' || it.name === '' || it.name === '.' || it.name === '..' || /[/\\\u0000]/.test(it.name)) {
        // Refused alone: the batch's other items are still stored (see Store.import).
        const refused = new ImportSourceError(
          `item ${i}`,
          `name must be a file name without folders (not empty, . or .., no / or \\ or NUL), got ${JSON.stringify(it.name)}`,
        );
        if (typeof it.name !== 'string') throw refused;
        return { name: it.name, label: 0, size: 0, source: 'upload', refused };
      }
      if ((it.bytes === undefined) === (it.path === undefined)) throw new ImportSourceError(it.name, 'give exactly one of bytes and path');
      const label = parseLabel(it.label, `items[${i}].label`);
      const size = it.bytes ? it.bytes.length : statSync(it.path as string).size;
      const src = it.source ?? source ?? (it.path ? basename(dirname(resolve(it.path))) : 'upload');
      return {
        name: it.name,
        label,
        path: it.path,
        bytes: it.bytes,
        size,
        source: src,
        provenance: it.provenance,
        prepared: it.bytes ? it.prepared : undefined,
      };
    });
  }
  const spec = input as FolderSpec;
  const lists: ListedItem[][] = [[], []];
  if (typeof spec === 'string') {
    const top = statSync(spec, { throwIfNoEntry: false });
    if (top === undefined) throw new ImportSourceError(spec, 'no such folder (expected a folder with sysBEN/ and/or sysMAL/ inside)');
    if (!top.isDirectory())
      throw new ImportSourceError(
        spec,
        'is a file, not a folder: give a folder with sysBEN/ and/or sysMAL/ inside, or --benign/--malicious FILE',
      );
    const dirs = LAYOUT_DIRS.map((d) => join(spec, d));
    const present = dirs.map((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory() === true);
    if (!present[0] && !present[1])
      throw new ImportSourceError(spec, 'expected a folder with sysBEN/ and/or sysMAL/ inside (the NtMalDetect layout)');
    const src = source ?? basename(resolve(spec));
    for (const label of [0, 1] as const) if (present[label]) lists[label] = filesOf(dirs[label], label, src);
  } else {
    for (const label of [0, 1] as const) {
      const v = label === 0 ? spec.benign : spec.malicious;
      for (const p of typeof v === 'string' ? [v] : v) lists[label].push(...filesOf(p, label, source));
    }
  }
  return [...lists[0].sort(byName), ...lists[1].sort(byName)];
}

/** The program name a trace file's name implies: `LOG_epo.exe.txt` gives `epo.exe`. */
export function programNameOf(fileName: string): string {
  return fileName.replace(/^LOG_/, '').replace(/\.(txt|log)(\.gz)?$/i, '');
}
