/**
 * Synthetic NtTrace logs, for tests, fixtures and benchmarks (no third-party data).
 *
 * {@link synthTrace} writes a log in every shape NtTrace can produce — `-time`/`-delta`
 * and `-pid`/`-tid` prefixes, `-pre` lines, `-stack` frames, CRLF line ends, NtTrace's events,
 * the traced program's own console output (also lines that start with "Nt" without being
 * calls, and text written without a newline in front of a call) — and returns the call
 * sequence a correct reader must find.
 *
 * @packageDocumentation
 */

/** What to put in a synthetic log. Probabilities are per call. */
export interface SynthOptions {
  /** Seed of the pseudo-random generator (default 1). */
  seed?: number;
  /** Number of completed calls (default 100). */
  calls?: number;
  /** `-time` prefix. */
  time?: boolean;
  /** `-delta` prefix. */
  delta?: boolean;
  /** `-pid` prefix. */
  pid?: boolean;
  /** `-tid` prefix. */
  tid?: boolean;
  /**
   * NtTrace's spelling of a call: `'v1.0'` (default; the corpus's NtTrace, through v1.0)
   * writes `Name( a, b ) => 0`, `'v1.1'` (v1.1 and later) `Name(a, b) => 0`.
   */
  spelling?: 'v1.0' | 'v1.1';
  /** `-pre`: a `Name(...) ...` line before each call. */
  pre?: boolean;
  /** `-stack`: frames and a blank line after each call. */
  stack?: boolean;
  /** CRLF line ends (as the corpus's raw logs have). */
  crlf?: boolean;
  /** Probability of a line of program output before a call (default 0.05). */
  output?: number;
  /** Probability of program text written without newline in front of a call (default 0). */
  embedded?: number;
  /** Probability of an event line (DLL load, thread start...) before a call (default 0.02). */
  events?: number;
  /** Processes and threads per process that calls come from (default 1 and 1). */
  processes?: number;
  threads?: number;
  /** Call names to draw from (default: a list of common ntdll calls, plus NtGdi/NtUser ones). */
  names?: readonly string[];
  /**
   * Call names in this order (from its start, repeated if shorter than `calls`) instead of
   * drawn at random from `names`: a real trace's order, for benchmarks.
   */
  sequence?: readonly string[];
}

/** A synthetic log and what a reader must find in it. */
export interface SynthTrace {
  /** The log text (Latin-1/ASCII). */
  text: string;
  /** Completed calls in order (embedded ones excluded). */
  calls: string[];
  /** Calls written after program output on the same line. */
  embedded: string[];
  /** Sequence including the embedded calls, in order. */
  withEmbedded: string[];
  /** Calls per `pid/tid` key, in first-seen order. */
  byThread: Map<string, string[]>;
}

/** Common call names (from NtTrace's configuration). */
export const COMMON_CALLS: readonly string[] = [
  'NtOpenKey',
  'NtQueryValueKey',
  'NtClose',
  'NtCreateFile',
  'NtReadFile',
  'NtWriteFile',
  'NtQueryInformationProcess',
  'NtAllocateVirtualMemory',
  'NtFreeVirtualMemory',
  'NtProtectVirtualMemory',
  'NtQueryVirtualMemory',
  'NtMapViewOfSection',
  'NtUnmapViewOfSection',
  'NtCreateSection',
  'NtOpenFile',
  'NtQueryAttributesFile',
  'NtDeviceIoControlFile',
  'NtWaitForSingleObject',
  'NtSetInformationThread',
  'NtQuerySystemInformation',
  'NtOpenProcessToken',
  'NtQueryInformationToken',
  'NtCreateEvent',
  'NtSetEvent',
  'NtTerminateProcess',
  'NtQueryPerformanceCounter',
  'NtCreateThreadEx',
  'NtResumeThread',
  'NtUserGetDC',
  'NtGdiCreateCompatibleDC',
  'NtAlpcSendWaitReceivePort',
  'NtQuerySecurityAttributesToken',
];

const STATUSES = [
  '0',
  '0',
  '0',
  "0xc0000034 [2 'The system cannot find the file specified.']",
  "0xc0000225 [1168 'Element not found.']",
  '0x103',
  "0x80000005 [234 'More data is available.']",
];
const ARGS = [
  'Handle=0x24',
  'ProcessHandle=-1',
  'BaseAddress=0x4e9f9f4 [0x77eae000]',
  'ObjectAttributes="\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion"',
  'IoStatusBlock=0x6afe34 [0/0x2c]',
  'Length=0x2c',
  'ReturnLength=null',
  'Buffer=0x4e9f390 "a ) => b"',
  'Name="ünïcödé ( ) ..."',
];
/** v1.1 and later also write symbolic masks, and strings may end like the modern spelling. */
const ARGS_V11 = [
  ...ARGS,
  'DesiredAccess=FILE_EXECUTE|SYNCHRONIZE',
  'Buffer=0x4e9f390 "x) => 0"',
  'CommandLine="cmd /c \\"echo (hi) ...\\""',
];
const OUTPUT = [
  'Hello, world',
  'NtClose',
  'Nt is the prefix of native calls',
  'NtOpenKey(not a call',
  'Usage: app [options] (see => docs)',
  '   indented text',
  '\t',
  'C:\\Program Files\\App\\app.exe',
  '100%',
  '[not a prefix] NtClose',
  '12:34 done',
  'Process finished',
  'Thread pool ready',
  'Ã©tÃ© Ã  Paris',
];
const EMBED = ['\t', 'InstallService App', 'progress: 50%', 'x'];

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pad4(n: number): string {
  return String(n).padStart(4, ' ');
}

/** Writes a synthetic NtTrace log; see {@link SynthOptions}. */
export function synthTrace(options: SynthOptions = {}): SynthTrace {
  const rnd = mulberry32(options.seed ?? 1);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const names = options.names ?? COMMON_CALLS;
  const nl = options.crlf ? '\r\n' : '\n';
  const modern = options.spelling === 'v1.1';
  const nProc = Math.max(1, options.processes ?? 1);
  const nThr = Math.max(1, options.threads ?? 1);
  const pOut = options.output ?? 0.05;
  const pEmb = options.embedded ?? 0;
  const pEv = options.events ?? 0.02;
  const pids = Array.from({ length: nProc }, (_, i) => 1000 + 7 * i * i + i * 913);
  const tids = pids.map((p, i) => Array.from({ length: nThr }, (_, j) => (j === 0 ? p + 4 : 20 + i * 4000 + j * 52)));
  let ms = 36_000_000;
  let first = true;
  const header = (pid: number, tid: number): string => {
    let h = '';
    if (options.time || options.delta) {
      const step = Math.floor(rnd() * 50);
      ms += step;
      if (options.time) {
        const t = ms % 86_400_000;
        const hh = Math.floor(t / 3_600_000);
        const mm = Math.floor(t / 60_000) % 60;
        const ss = Math.floor(t / 1000) % 60;
        h += `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.${String(t % 1000).padStart(3, '0')}`;
      }
      if (options.time && options.delta) h += ' ';
      if (options.delta && !first) {
        // NtTrace writes "<0" when the clock went back and ">999s" after a long pause.
        const odd = rnd();
        h += odd < 0.01 ? '<0' : odd < 0.02 ? '>999s' : `+${Math.floor(step / 1000)}.${String(step % 1000).padStart(3, '0')}`;
      }
      h += ': ';
      first = false;
    }
    if (options.pid || options.tid) {
      h += '[';
      if (options.pid) h += pad4(pid);
      if (options.pid && options.tid) h += '/';
      if (options.tid) h += pad4(tid);
      h += '] ';
    }
    return h;
  };
  const out: string[] = [];
  const calls: string[] = [];
  const embedded: string[] = [];
  const withEmbedded: string[] = [];
  const byThread = new Map<string, string[]>();
  out.push(`${header(pids[0], tids[0][0])}Process ${pids[0]} starting at 00401000 with command line: "app.exe"${nl}`);
  out.push(`C:\\Windows\\SysWOW64\\app.exe${nl}`);
  out.push(`${header(pids[0], tids[0][0])}Loaded DLL at 77DA0000 ntdll.dll${nl}`);
  out.push(`${header(pids[0], tids[0][0])}Initial breakpoint${nl}`);
  const n = options.calls ?? 100;
  for (let i = 0; i < n; i++) {
    const pi = Math.floor(rnd() * nProc);
    const ti = Math.floor(rnd() * nThr);
    const pid = pids[pi];
    const tid = tids[pi][ti];
    if (rnd() < pEv) {
      out.push(
        pick([
          `${header(pid, tid)}Loaded DLL at 75B80000 C:\\Windows\\SysWOW64\\KERNEL32.DLL${nl}`,
          `${header(pid, tid)}Unload of DLL at 04ED0000${nl}`,
          `${header(pid, tid)}Created thread: ${tid} at 77E1A3B5${nl}`,
          `${header(pid, tid)}Thread ${tid} exit code: 0${nl}`,
          `${header(pid, tid)}Breakpoint at 77E4CCBC (first chance)${nl}`,
          `${header(pid, tid)}Exception: c0000005 at 00401234 (first chance)${nl}`,
          `${header(pid, tid)}C++ exception at 75B81234${nl}`,
          `${header(pid, tid)}WOW64 initialised${nl}`,
          ...(modern ? [`${header(pid, tid)}Unload of DLL at 00006FFFFF500000 (\\??\\C:\\windows\\system32\\ws2_32.dll)${nl}`] : []),
        ]),
      );
    }
    if (rnd() < pOut) out.push(`${pick(OUTPUT)}${nl}`);
    const name =
      options.sequence !== undefined && options.sequence.length > 0 ? options.sequence[i % options.sequence.length] : pick(names);
    const args = Array.from({ length: Math.floor(rnd() * 5) }, () => pick(modern ? ARGS_V11 : ARGS));
    const argText = modern ? args.join(', ') : args.length ? ` ${args.join(', ')} ` : ' ';
    if (options.pre) out.push(`${header(pid, tid)}${name}(${argText}) ...${nl}`);
    const emb = rnd() < pEmb;
    out.push(`${emb ? pick(EMBED) : ''}${header(pid, tid)}${name}(${argText}) => ${pick(STATUSES)}${nl}`);
    if (options.stack) out.push(`  0x77e1a3b5 ntdll!${name}+0xc${nl}  0x00401234 app!main+0x34${nl}${nl}`);
    withEmbedded.push(name);
    if (emb) {
      embedded.push(name);
      continue;
    }
    calls.push(name);
    const key = options.pid && options.tid ? `${pid}/${tid}` : options.pid ? `${pid}` : options.tid ? `${tid}` : '';
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(name);
  }
  out.push(`${header(pids[0], tids[0][0])}Process ${pids[0]} exit code: 0${nl}`);
  return { text: out.join(''), calls, embedded, withEmbedded, byThread };
}
