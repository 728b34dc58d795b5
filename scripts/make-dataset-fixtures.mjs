#!/usr/bin/env node
/**
 * Writes fixtures/datasets/: small synthetic datasets in the layouts researchers have, made
 * from the published format descriptions (no third-party data):
 *
 * - adfa-like/: ADFA-LD's tree. Training_Data_Master/UTD-NNNN.txt and
 *   Validation_Data_Master/UVD-NNNN.txt (normal), Attack_Data_Master/<Attack>_<n>/UAD-<Attack>-<n>-<k>.txt
 *   (attacks); each file one trace of Linux i386 system-call numbers separated by spaces on
 *   one line, with a trailing space, as ADFA-LD's files are.
 * - malbehavd-like.csv: MalbehavD-V1's table. Header `sha256,labels,0,1,...` (and empty
 *   header cells up to the row width), one row per program: its SHA-256, its label (0 benign,
 *   1 malicious) and its Windows API calls, one per column in order of first use (no
 *   repeats), the row padded with empty cells.
 * - api-calls.tsv: a TSV with an id, a label word (benign / malicious) and the calls in one
 *   space-separated field (the other common form of API-call-sequence datasets).
 *
 * Deterministic (seeded PRNG): running it again gives the same bytes.
 *
 *   node scripts/make-dataset-fixtures.mjs [outDir]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? join(import.meta.dirname, '..', 'fixtures', 'datasets');

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));

// ---- ADFA-LD-like: i386 system-call numbers --------------------------------------------
// Normal behaviour: a daemon's loops (read/write, poll, time, mmap, open/fstat/close...).
const NORMAL_BLOCKS = [
  [3, 4, 3, 4, 3, 4],
  [168, 3, 4, 168],
  [13, 13, 78, 13],
  [5, 197, 192, 3, 6],
  [5, 197, 3, 3, 6],
  [195, 5, 197, 192, 91, 6],
  [54, 54, 4, 3],
  [240, 240, 3],
  [265, 265, 168, 3, 4],
  [45, 45, 192, 91],
  [142, 3, 4, 142],
  [174, 175, 174],
];
// Attacks: what exploits and shells do (execve, dup2 of a socket, setuid, chmod, clone...).
const ATTACKS = {
  Adduser: [11, 45, 33, 5, 3, 6, 5, 4, 6, 15, 182, 213, 11],
  Hydra_FTP: [102, 102, 3, 4, 102, 6, 102, 102, 3, 4, 102, 6],
  Java_Meterpreter: [102, 63, 63, 63, 11, 120, 174, 102, 3, 4],
  Meterpreter: [102, 63, 63, 63, 11, 192, 125, 125, 102, 4, 3],
  Web_Shell: [11, 120, 11, 33, 5, 3, 4, 6, 11, 63, 63],
};

/** A daemon's loop: mostly the next block in order, sometimes a skip (so normal n-grams recur). */
function normalTrace(r, length) {
  const calls = [];
  let b = int(r, 0, NORMAL_BLOCKS.length - 1);
  while (calls.length < length) {
    calls.push(...NORMAL_BLOCKS[b]);
    b = (b + 1 + (r() < 0.3 ? int(r, 1, 3) : 0)) % NORMAL_BLOCKS.length;
  }
  return calls.slice(0, length);
}

/** Normal behaviour with the attack's motif inserted a few times (a call in 25 replaced by noise). */
function attackTrace(r, attack, length) {
  const calls = normalTrace(r, length);
  const motif = ATTACKS[attack];
  const times = int(r, 2, 5);
  for (let t = 0; t < times; t++) {
    const m = motif.map((c) => (r() < 1 / 25 ? pick(r, NORMAL_BLOCKS)[0] : c));
    calls.splice(int(r, 0, calls.length), 0, ...m);
  }
  return calls;
}

const adfaLine = (calls) => calls.join(' ') + ' \n';

function writeAdfa(dir) {
  const r = rng(20130101);
  const t = join(dir, 'Training_Data_Master');
  const v = join(dir, 'Validation_Data_Master');
  mkdirSync(t, { recursive: true });
  mkdirSync(v, { recursive: true });
  for (let i = 1; i <= 24; i++) writeFileSync(join(t, `UTD-${String(i).padStart(4, '0')}.txt`), adfaLine(normalTrace(r, int(r, 120, 420))));
  for (let i = 1; i <= 8; i++) writeFileSync(join(v, `UVD-${String(i).padStart(4, '0')}.txt`), adfaLine(normalTrace(r, int(r, 120, 420))));
  let k = 0;
  for (const attack of Object.keys(ATTACKS)) {
    for (let n = 1; n <= 2; n++) {
      const d = join(dir, 'Attack_Data_Master', `${attack}_${n}`);
      mkdirSync(d, { recursive: true });
      for (let j = 0; j < 3; j++) writeFileSync(join(d, `UAD-${attack.replace('_', '-')}-${n}-${++k}.txt`), adfaLine(attackTrace(r, attack, int(r, 120, 400))));
    }
  }
}

// ---- MalbehavD-like: Windows API names, one per column, in order of first use ------------
const LOADER = ['LdrLoadDll', 'LdrGetProcedureAddress', 'LdrGetDllHandle', 'NtAllocateVirtualMemory', 'NtProtectVirtualMemory', 'GetSystemTimeAsFileTime', 'SetUnhandledExceptionFilter'];
const COMMON = [
  'NtClose', 'NtOpenKey', 'NtQueryValueKey', 'NtCreateFile', 'NtReadFile', 'NtOpenFile', 'NtMapViewOfSection', 'NtUnmapViewOfSection',
  'NtCreateSection', 'NtFreeVirtualMemory', 'RegOpenKeyExW', 'RegQueryValueExW', 'RegCloseKey', 'GetFileType', 'GetSystemInfo',
  'NtQueryAttributesFile', 'LdrUnloadDll', 'NtTerminateProcess', 'GetFileAttributesW', 'NtQuerySystemInformation', 'CoInitializeEx',
  'CoUninitialize', 'NtCreateMutant', 'GetSystemDirectoryW', 'NtQueryInformationFile', 'NtOpenKeyEx', 'LoadStringW', 'FindResourceExW',
];
const BENIGN_API = [
  'GetSystemMetrics', 'DrawTextExW', 'GetForegroundWindow', 'CreateActCtxW', 'GetKeyState', 'SizeofResource', 'LoadResource',
  'GetCursorPos', 'OleInitialize', 'SHGetFolderPathW', 'GetFileVersionInfoW', 'GetFileVersionInfoSizeW', 'CoCreateInstance',
  'GlobalMemoryStatusEx', 'SearchPathW', 'GetVolumePathNameW', 'FindWindowW', 'IsDebuggerPresent',
];
const MALICIOUS_API = [
  'CreateToolhelp32Snapshot', 'Process32FirstW', 'Process32NextW', 'WriteProcessMemory', 'NtResumeThread', 'CreateRemoteThread',
  'CryptAcquireContextW', 'CryptCreateHash', 'CryptHashData', 'WSAStartup', 'WSASocketW', 'connect', 'send', 'InternetOpenA',
  'RegSetValueExW', 'RegCreateKeyExW', 'DeleteFileW', 'MoveFileWithProgressW', 'NtDelayExecution', 'GetComputerNameW',
  'SetWindowsHookExW', 'OpenSCManagerW', 'CreateServiceW', 'IsDebuggerPresent', 'NtWriteVirtualMemory', 'ShellExecuteExW',
];

/** One program's distinct API calls in order of first use. */
function apiRow(r, malicious) {
  const own = malicious ? MALICIOUS_API : BENIGN_API;
  const other = malicious ? BENIGN_API : MALICIOUS_API;
  const seq = [];
  const seen = new Set();
  const add = (n) => {
    if (!seen.has(n)) {
      seen.add(n);
      seq.push(n);
    }
  };
  for (const n of LOADER) if (r() < 0.9) add(n);
  const length = int(r, 12, 60);
  // Runs of calls in a class-typical order (what n-grams learn), with the common ones between.
  while (seq.length < length) {
    const x = r();
    if (x < 0.45) add(pick(r, COMMON));
    else if (x < 0.75) {
      const start = int(r, 0, own.length - 3);
      for (let k = 0; k < int(r, 2, 4); k++) add(own[start + k] ?? pick(r, own));
    } else add(pick(r, other));
    if (seen.size >= LOADER.length + COMMON.length + own.length) break;
  }
  return seq.slice(0, length);
}

const csvCell = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function writeMalbehavd(path) {
  const r = rng(2021);
  const rows = [];
  for (let i = 0; i < 200; i++) {
    const label = i % 2;
    const calls = apiRow(r, label === 1);
    const sha = createHash('sha256').update(`malbehavd-like ${i}`).digest('hex');
    rows.push([sha, String(label), ...calls]);
  }
  // Shuffle the rows (the published file interleaves no class order we rely on).
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const width = Math.max(...rows.map((x) => x.length));
  // Named columns as far as the published header goes, then empty header cells (as in MalbehavD-V1).
  const named = width - 2 - 4;
  const header = ['sha256', 'labels', ...Array.from({ length: named }, (_, k) => String(k)), ...Array(width - 2 - named).fill('')];
  const lines = [header, ...rows.map((x) => [...x, ...Array(width - x.length).fill('')])];
  writeFileSync(path, lines.map((l) => l.map(csvCell).join(',')).join('\n') + '\n');
}

function writeTsv(path) {
  const r = rng(7);
  const lines = ['id\tlabel\tcalls'];
  for (let i = 0; i < 60; i++) {
    const mal = i % 3 === 0;
    lines.push(`api-${String(i).padStart(3, '0')}\t${mal ? 'malicious' : 'benign'}\t${apiRow(r, mal).join(' ')}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeAdfa(join(out, 'adfa-like'));
writeMalbehavd(join(out, 'malbehavd-like.csv'));
writeTsv(join(out, 'api-calls.tsv'));
console.log(`wrote ${out}`);
