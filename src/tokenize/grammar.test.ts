/**
 * Every line shape NtTrace can write, one case each, as listed in docs/nttrace-grammar.md
 * (the ids match the doc's table). Each case is a small log: the shape's lines between two
 * calls (`frame`), read whole and cut into chunks at every byte; the test asserts the call
 * names and every LineStats count.
 *
 * Origins:
 * - "real": copied from a log of NtTrace run under Wine (the master build of
 *   ../shared/tools/nttrace-wine, or the v1.0 build made with its build.sh --v1.0).
 * - "synthetic, derived from NtTrace's source (file:function)": a shape no log we can make
 *   today holds (it needs a real Windows, an MSVC build, a .NET or MSVC program, a failing
 *   debug API...), written from the code that prints it.
 *
 * The continued shapes (a string argument or a command line holding a newline), `read error`
 * and the empty image path are read as the doc's "Lines that go on" section says.
 */
import { describe, expect, it } from 'vitest';
import { readTraceSync } from './index.js';
import type { LineStats, ReadOptions, TraceRead } from './index.js';
import { readCut } from './test-helpers/read-cut.js';

type Spelling = 'v1.0' | 'master';
type Kind = Exclude<keyof LineStats, 'lines'>;

interface Shape {
  /** Id in docs/nttrace-grammar.md. */
  id: string;
  /** What the case shows. */
  what: string;
  /** Spelling of the framing calls (and of the shape's calls). */
  spelling: Spelling;
  /** "real: ..." or "synthetic, derived from NtTrace's source (file:function)". */
  origin: string;
  /** The shape's lines (without line ends). */
  lines: string[];
  /** How the reader counts the shape's lines (kinds not named: 0). */
  kinds: Partial<Record<Kind, number>>;
  /** Call names the shape's lines give, in order. */
  calls?: string[];
  /** Frame with a call before and after (default), only before, or none. */
  frame?: 'both' | 'before' | 'none';
  /** The log ends without a newline after the shape (a cut last line). */
  noFinalNewline?: boolean;
  /** Line end (default "\n"). */
  eol?: string;
  options?: ReadOptions;
}

const REAL_MASTER = 'real: NtTrace master (e1895a7, MinGW build) under Wine';
const REAL_V10 = 'real: NtTrace v1.0 (MinGW build) under Wine';
const syn = (where: string): string => `synthetic, derived from NtTrace's source (${where})`;

const FRAME: Record<Spelling, [string, string]> = {
  'v1.0': ['NtClose( Handle=0x4 ) => 0', 'NtClose( Handle=0x8 ) => 0'],
  master: ['NtClose(Handle=0x4) => 0', 'NtClose(Handle=0x8) => 0'],
};

/** Builds the case's log and the reading it must give. */
function build(s: Shape): { text: string; calls: string[]; stats: LineStats } {
  const frame = s.frame ?? 'both';
  const [pre, post] = FRAME[s.spelling];
  const lines = [...(frame !== 'none' ? [pre] : []), ...s.lines, ...(frame === 'both' ? [post] : [])];
  const eol = s.eol ?? '\n';
  const text = lines.join(eol) + (s.noFinalNewline ? '' : eol);
  const framing = frame === 'both' ? 2 : frame === 'before' ? 1 : 0;
  const stats: LineStats = {
    lines: lines.length,
    calls: framing + (s.kinds.calls ?? 0),
    preCalls: s.kinds.preCalls ?? 0,
    embeddedCalls: s.kinds.embeddedCalls ?? 0,
    events: s.kinds.events ?? 0,
    programOutput: s.kinds.programOutput ?? 0,
    unparseable: s.kinds.unparseable ?? 0,
    cutCalls: s.kinds.cutCalls ?? 0,
    blank: s.kinds.blank ?? 0,
  };
  const counted = Object.values(s.kinds).reduce((a, b) => a + (b ?? 0), 0);
  if (counted !== s.lines.length) throw new Error(`${s.id}: kinds count ${counted} lines, the shape has ${s.lines.length}`);
  const calls = [...(frame !== 'none' ? ['NtClose'] : []), ...(s.calls ?? []), ...(frame === 'both' ? ['NtClose'] : [])];
  return { text, calls, stats };
}

const names = (r: TraceRead): string[] => Array.from(r.calls, (id) => r.table.nameOf(id));

// ---------------------------------------------------------------------------------------------
// Call lines: EntryPoint.cpp EntryPoint::trace (both versions), after the call returned.

const callLines: Shape[] = [
  {
    id: 'CALL-1',
    what: 'completed call, status 0',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: [
      'NtOpenKey( KeyHandle=0x21fa18 [0x24], DesiredAccess=0x1, ObjectAttributes="\\Registry\\Machine\\System\\CurrentControlSet\\Control\\Session Manager" ) => 0',
    ],
    kinds: { calls: 1 },
    calls: ['NtOpenKey'],
  },
  {
    id: 'CALL-1',
    what: 'completed call, status 0',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      'NtOpenKey(KeyHandle=0x21fa18 [0x24], DesiredAccess=KEY_QUERY_VALUE, ObjectAttributes="\\Registry\\Machine\\System\\CurrentControlSet\\Control\\Session Manager") => 0',
    ],
    kinds: { calls: 1 },
    calls: ['NtOpenKey'],
  },
  {
    id: 'CALL-2',
    what: 'call without arguments',
    spelling: 'v1.0',
    origin: syn('EntryPoint.cpp:EntryPoint::trace, " ) => " after no argument'),
    lines: ['NtFlushProcessWriteBuffers( ) => 0'],
    kinds: { calls: 1 },
    calls: ['NtFlushProcessWriteBuffers'],
  },
  {
    id: 'CALL-2',
    what: 'call without arguments',
    spelling: 'master',
    origin: syn('EntryPoint.cpp:EntryPoint::trace, ") => " after no argument'),
    lines: ['NtFlushProcessWriteBuffers() => 0'],
    kinds: { calls: 1 },
    calls: ['NtFlushProcessWriteBuffers'],
  },
  {
    id: 'CALL-3',
    what: "error status and Wine's FormatMessage text",
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: [
      'NtQueryValueKey( KeyHandle=0x24, ValueName="SafeProcessSearchMode", KeyValueInformationClass=2 [KeyValuePartialInformation], KeyValueInformation=0x21f930, Length=0x7e, ResultLength=0x21f91c ) => 0xc0000034 [2 \'File not found.\']',
    ],
    kinds: { calls: 1 },
    calls: ['NtQueryValueKey'],
  },
  {
    id: 'CALL-3',
    what: "error status and Wine's FormatMessage text",
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      'NtQueryValueKey(KeyHandle=0x24, ValueName="SafeProcessSearchMode", KeyValueInformationClass=2 [KeyValuePartialInformation], KeyValueInformation=0x21f930, Length=0x7e, ResultLength=0x21f91c) => 0xc0000034 [2 \'File not found.\']',
    ],
    kinds: { calls: 1 },
    calls: ['NtQueryValueKey'],
  },
  {
    id: 'CALL-3',
    what: "error status and Windows' FormatMessage text",
    spelling: 'v1.0',
    origin: syn('ShowData.cpp:showWinError, message of a real Windows'),
    lines: [
      'NtOpenKey( KeyHandle=0x19f538, DesiredAccess=0x20019, ObjectAttributes="\\Registry\\Machine\\Software\\Policies\\x" ) => 0xc0000034 [2 \'The system cannot find the file specified.\']',
    ],
    kinds: { calls: 1 },
    calls: ['NtOpenKey'],
  },
  {
    id: 'CALL-4',
    what: 'non-zero success status: v1.0 adds a message (returnCode != 0)',
    spelling: 'v1.0',
    origin: syn('EntryPoint.cpp:EntryPoint::trace v1.0, showWinError'),
    lines: [
      "NtWaitForSingleObject( Handle=0x2c, Alertable=false, Timeout=null ) => 0x103 [997 'Overlapped I/O operation is in progress.']",
    ],
    kinds: { calls: 1 },
    calls: ['NtWaitForSingleObject'],
  },
  {
    id: 'CALL-4',
    what: 'non-zero success status: master adds none (IS_ERROR only); a handle return; an error FormatMessage has no text for',
    spelling: 'master',
    origin: syn('EntryPoint.cpp:EntryPoint::trace, showDword'),
    lines: [
      'NtWaitForSingleObject(Handle=0x2c, Alertable=false, Timeout=null) => 0x103',
      'NtGdiCreateCompatibleDC(hdc=0) => 0x01010052',
      'NtAlpcSendWaitReceivePort(PortHandle=0x44, Flags=0x20000) => 0xc0000701',
    ],
    kinds: { calls: 3 },
    calls: ['NtWaitForSingleObject', 'NtGdiCreateCompatibleDC', 'NtAlpcSendWaitReceivePort'],
  },
  {
    id: 'CALL-5',
    what: "a Windows message holding CRLF: the text-mode stream writes \\r\\r\\n, the message's tail is a line of its own",
    spelling: 'master',
    origin: syn('ShowData.cpp:showWinError: STATUS_WRONG_VOLUME -> ERROR_WRONG_DISK (34), a two-line message on Windows'),
    eol: '\r\n',
    lines: [
      'NtCreateFile(FileHandle=0x19f538, DesiredAccess=GENERIC_READ|SYNCHRONIZE, ObjectAttributes="\\??\\A:\\setup.inf", IoStatusBlock=0x19f540, AllocationSize=null, FileAttributes=0, ShareAccess=1, CreateDisposition=1, CreateOptions=0x60, EaBuffer=null, EaLength=0) => 0xc0000012 [34 \'The wrong diskette is in the drive.\r',
      "Insert %2 (Volume Serial Number: %3) into drive %1.']",
    ],
    kinds: { calls: 1, programOutput: 1 },
    calls: ['NtCreateFile'],
  },
  {
    id: 'CALL-6',
    what: '-nonames: values without names',
    spelling: 'v1.0',
    origin: syn('EntryPoint.cpp:Argument::showArgument'),
    lines: ['NtClose( 0x24 ) => 0'],
    kinds: { calls: 1 },
    calls: ['NtClose'],
  },
  {
    id: 'CALL-6',
    what: '-nonames: values without names',
    spelling: 'master',
    origin: syn('EntryPoint.cpp:Argument::showArgument'),
    lines: ['NtClose(0x24) => 0'],
    kinds: { calls: 1 },
    calls: ['NtClose'],
  },
  {
    id: 'CALL-7',
    what: 'a string argument holding parentheses, quotes and ") => " (strings are written raw, unescaped)',
    spelling: 'master',
    origin: `${REAL_MASTER} (reg.exe query 'HKCU\\Software\\a) => b')`,
    lines: [
      'NtOpenKeyEx(KeyHandle=0x21fd58, DesiredAccess=KEY_READ, ObjectAttributes=0x30:"Software\\a) => b", OpenOptions=0) => 0xc0000034 [2 \'File not found.\']',
      'NtCreateFile(FileHandle=0x21f5d8 [0x38], DesiredAccess=GENERIC_WRITE, ObjectAttributes="\\??\\C:\\x (1) \"y\".txt", IoStatusBlock=0x21f5e0 [0/2]) => 0',
    ],
    kinds: { calls: 2 },
    calls: ['NtOpenKeyEx', 'NtCreateFile'],
  },
  {
    id: 'CALL-7',
    what: 'a string argument holding parentheses, quotes and ") => "',
    spelling: 'v1.0',
    origin: syn('ShowData.cpp:showUnicodeString v1.0'),
    lines: [
      'NtOpenKey( KeyHandle=0x21fd58, DesiredAccess=0x20019, ObjectAttributes=0x30:"Software\\a) => b "q"" ) => 0xc0000034 [2 \'File not found.\']',
    ],
    kinds: { calls: 1 },
    calls: ['NtOpenKey'],
  },
  {
    id: 'CALL-8',
    what: 'v1.0 "invalid string" (wcstombs failed: a non-ASCII name in the C locale)',
    spelling: 'v1.0',
    origin: syn('ShowData.cpp:showString v1.0'),
    lines: [
      'NtCreateFile( FileHandle=0x19f538 [0x30], DesiredAccess=0x80100080, ObjectAttributes="invalid string", IoStatusBlock=0x19f540 [0/1] ) => 0',
    ],
    kinds: { calls: 1 },
    calls: ['NtCreateFile'],
  },
  {
    id: 'CALL-9',
    what: 'a string argument holding a raw newline: the call spans two lines',
    spelling: 'master',
    origin: syn('ShowData.cpp:showString writes the string raw; cf. CALL-10, real'),
    lines: [
      'NtCreateFile(FileHandle=0x21f5d8, DesiredAccess=GENERIC_WRITE, ObjectAttributes="\\??\\C:\\tmp\\line one',
      "line two.txt\", IoStatusBlock=0x21f5e0) => 0xc0000033 [123 'The filename, directory name, or volume label syntax is incorrect.']",
    ],
    // The call's first line is the call; the string's second line is counted as program output.
    kinds: { calls: 1, programOutput: 1 },
    calls: ['NtCreateFile'],
  },
  {
    id: 'CALL-10',
    what: 'a string argument holding a newline and a call-looking text (a name a program chose)',
    spelling: 'master',
    origin: `${REAL_MASTER} (reg.exe query $'HKCU\\\\Software\\\\x\\nNtFake(Handle=4) => 0')`,
    lines: [
      'NtOpenKeyEx(KeyHandle=0x21fd58, DesiredAccess=KEY_READ, ObjectAttributes=0x30:"Software\\x',
      "NtFake(Handle=4) => 0\", OpenOptions=0) => 0xc0000034 [2 'File not found.']",
    ],
    // NtOpenKeyEx is read; the "NtFake(...) => 0" text in its string is no call.
    kinds: { calls: 1, programOutput: 1 },
    calls: ['NtOpenKeyEx'],
  },
  {
    id: 'CALL-11',
    what: '"read error: N": the argument block could not be read; NtTrace ends the line there',
    spelling: 'v1.0',
    origin: syn('EntryPoint.cpp:EntryPoint::trace, ReadProcessMemory failed'),
    lines: ['NtQueryInformationThread(read error: 299'],
    kinds: { calls: 1 },
    calls: ['NtQueryInformationThread'],
  },
  {
    id: 'CALL-11',
    what: '"read error: N" (same text in master)',
    spelling: 'master',
    origin: syn('EntryPoint.cpp:EntryPoint::trace, ReadProcessMemory failed'),
    lines: ['NtQueryInformationThread(read error: 299'],
    kinds: { calls: 1 },
    calls: ['NtQueryInformationThread'],
  },
  {
    id: 'CALL-12',
    what: 'master: a UTF-16 string WideCharToMultiByte rejects writes "char i is X" lines inside the call',
    spelling: 'master',
    origin: syn('ShowData.cpp:showString, Utf16ToMbs returned 0'),
    lines: [
      'NtOpenKey(KeyHandle=0x21fa18, DesiredAccess=KEY_READ, ObjectAttributes="char 0 is d800',
      'char 1 is 0',
      "invalid string: 1113\") => 0xc0000034 [2 'File not found.']",
    ],
    kinds: { calls: 1, programOutput: 2 },
    calls: ['NtOpenKey'],
  },
];

// -pre lines: EntryPoint::trace with before = true (NtTrace.cpp OnBreakpoint, pre-save trap).
const preLines: Shape[] = [
  {
    id: 'PRE-1',
    what: '-pre line, then the completed call',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: [
      'NtQueryVirtualMemory( ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null ) ...',
      'NtQueryVirtualMemory( ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null ) => 0',
    ],
    kinds: { preCalls: 1, calls: 1 },
    calls: ['NtQueryVirtualMemory'],
  },
  {
    id: 'PRE-1',
    what: '-pre line, then the completed call',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      'NtQueryVirtualMemory(ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null) ...',
      'NtQueryVirtualMemory(ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null) => 0',
    ],
    kinds: { preCalls: 1, calls: 1 },
    calls: ['NtQueryVirtualMemory'],
  },
  {
    id: 'PRE-2',
    what: '-pre line without arguments',
    spelling: 'v1.0',
    origin: syn('EntryPoint.cpp:EntryPoint::trace'),
    lines: ['NtYieldExecution( ) ...'],
    kinds: { preCalls: 1 },
  },
  {
    id: 'PRE-2',
    what: '-pre line without arguments',
    spelling: 'master',
    origin: syn('EntryPoint.cpp:EntryPoint::trace'),
    lines: ['NtYieldExecution() ...'],
    kinds: { preCalls: 1 },
  },
  {
    id: 'PRE-3',
    what: '-pre line whose string argument holds ") => "',
    spelling: 'master',
    origin: syn('EntryPoint.cpp:EntryPoint::trace; the string of CALL-7'),
    lines: ['NtOpenKeyEx(KeyHandle=0x21fd58, DesiredAccess=KEY_READ, ObjectAttributes=0x30:"Software\\a) => b", OpenOptions=0) ...'],
    kinds: { preCalls: 1 },
  },
];

// The log's last line cut inside a call (a truncated file, a tracer killed mid-line).
const cutLines: Shape[] = [
  {
    id: 'CUT-1',
    what: 'last line cut inside a call, no newline after it',
    spelling: 'v1.0',
    origin: syn('any log cut while NtTrace was writing'),
    lines: ['NtOpenFile( FileHandle=0x19f538 [0x198], DesiredAccess=0x100001'],
    kinds: { cutCalls: 1 },
    calls: ['NtOpenFile'],
    frame: 'before',
    noFinalNewline: true,
  },
  {
    id: 'CUT-1',
    what: 'last line cut inside a call, no newline after it',
    spelling: 'master',
    origin: syn('any log cut while NtTrace was writing'),
    lines: ['NtOpenFile(FileHandle=0x19f538 [0x198], DesiredAccess=FILE_EXECUTE|SYN'],
    kinds: { cutCalls: 1 },
    calls: ['NtOpenFile'],
    frame: 'before',
    noFinalNewline: true,
  },
  {
    id: 'CUT-1',
    what: 'last line cut inside a -pre line ("Name(args) .." short of the third dot)',
    spelling: 'master',
    origin: syn('any log cut while NtTrace was writing'),
    lines: ['NtOpenFile(FileHandle=0x19f538) ..'],
    kinds: { cutCalls: 1 },
    calls: ['NtOpenFile'],
    frame: 'before',
    noFinalNewline: true,
  },
  {
    id: 'CUT-2',
    what: 'last line cut inside a string argument that holds ") => "',
    spelling: 'master',
    origin: syn('any log cut while NtTrace was writing'),
    lines: ['NtOpenKeyEx(KeyHandle=0x21fd58, DesiredAccess=KEY_READ, ObjectAttributes=0x30:"Software\\a) => b'],
    // The ") => b" in the string has no status after it: the line is a cut call.
    kinds: { cutCalls: 1 },
    calls: ['NtOpenKeyEx'],
    frame: 'before',
    noFinalNewline: true,
  },
];

// header(): -time, -delta, -pid, -tid prefixes (NtTrace.cpp TrapNtDebugger::header, both versions).
const prefixLines: Shape[] = [
  {
    id: 'PFX-1',
    what: '-time',
    spelling: 'master',
    origin: syn('NtTrace.cpp:header, now()'),
    lines: ['12:00:01.250: NtOpenKey(KeyHandle=0x24, DesiredAccess=KEY_READ, ObjectAttributes="x") => 0'],
    kinds: { calls: 1 },
    calls: ['NtOpenKey'],
  },
  {
    id: 'PFX-2',
    what: '-delta: empty on the first line, then +S.mmm, <0, >999s',
    spelling: 'v1.0',
    origin: `${REAL_V10} (first two) and ${syn('NtTrace.cpp:delta()')}`,
    lines: [
      ': NtOpenKey( KeyHandle=0x24, DesiredAccess=0x1, ObjectAttributes="x" ) => 0',
      '+0.015: NtClose( Handle=0x24 ) => 0',
      '<0: NtClose( Handle=0x28 ) => 0',
      '>999s: NtClose( Handle=0x2c ) => 0',
    ],
    kinds: { calls: 4 },
    calls: ['NtOpenKey', 'NtClose', 'NtClose', 'NtClose'],
  },
  {
    id: 'PFX-3',
    what: '-time -delta (first delta empty: "time : ")',
    spelling: 'master',
    origin: syn('NtTrace.cpp:header'),
    lines: ['12:00:01.250 : NtClose(Handle=0x24) => 0', '12:00:01.265 +0.015: NtClose(Handle=0x28) => 0'],
    kinds: { calls: 2 },
    calls: ['NtClose', 'NtClose'],
  },
  {
    id: 'PFX-4',
    what: '-pid -tid, -pid, -tid (width 4, right-aligned; wider ids overflow)',
    spelling: 'master',
    origin: `${REAL_MASTER} (first) and ${syn('NtTrace.cpp:header')}`,
    lines: [
      '[ 396/ 400] NtClose(Handle=0x24) => 0',
      '[ 396] NtClose(Handle=0x28) => 0',
      '[ 400] NtClose(Handle=0x2c) => 0',
      '[12345/67890] NtClose(Handle=0x30) => 0',
    ],
    kinds: { calls: 4 },
    calls: ['NtClose', 'NtClose', 'NtClose', 'NtClose'],
  },
  {
    id: 'PFX-5',
    what: '-time -delta -pid -tid on a call',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: [
      '20:50:20.453 +0.000: [ 300/ 304] NtInitializeNlsFiles( BaseAddress=0x21f808 [0x00740000], DefaultLocaleId=0x170087968 [0x409], DefaultCasingTableSize=0x21f8a0 [0] ) => 0',
    ],
    kinds: { calls: 1 },
    calls: ['NtInitializeNlsFiles'],
  },
  {
    id: 'PFX-5',
    what: '-time -pid -tid on a call',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      '20:50:22.694: [ 396/ 400] NtInitializeNlsFiles(BaseAddress=0x21f808 [0x00740000], DefaultLocaleId=0x170087968 [0x409], DefaultCasingTableSize=0x21f8a0 [0]) => 0',
    ],
    kinds: { calls: 1 },
    calls: ['NtInitializeNlsFiles'],
  },
  {
    id: 'PFX-6',
    what: 'prefixed -pre line',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnBreakpoint, header then trace(before)'),
    lines: ['12:00:01.250 +0.001: [ 396/ 400] NtClose(Handle=0x24) ...'],
    kinds: { preCalls: 1 },
  },
];

// Debug events: NtTrace.cpp TrapNtDebugger::On* (v1.0 writes most without header(); master with).
const eventLines: Shape[] = [
  {
    id: 'EV-1',
    what: 'process start (no command line in v1.0), then the image path line',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: ['Process 268 starting at 1', '\\??\\C:\\windows\\system32\\hostname.exe'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-1',
    what: 'process start, MSVC build on Windows (pointers as 16 hex digits)',
    spelling: 'v1.0',
    origin: syn('NtTrace.cpp:OnCreateProcess v1.0, MSVC operator<<(void*)'),
    lines: ['Process 5008 starting at 00007FF6A1B21000', 'C:\\Windows\\System32\\hostname.exe'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-1',
    what: 'process start with the command line (quotes, trailing spaces inside)',
    spelling: 'master',
    origin: `${REAL_MASTER} (cmd.exe /c "echo a(b) => c  ")`,
    lines: ['Process 396 starting at 1 with command line: "cmd.exe /c "echo a(b) => c  ""', '\\??\\C:\\windows\\system32\\cmd.exe'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-1',
    what: 'process start, prefixed (the image path line never is)',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      '20:50:22.592: [ 396/ 400] Process 396 starting at 1 with command line: "cmd.exe /c "echo a(b) => c  ""',
      '\\??\\C:\\windows\\system32\\cmd.exe',
    ],
    kinds: { events: 2 },
  },
  {
    id: 'EV-1',
    what: 'process start, command line unreadable (empty) and a trailing space',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnCreateProcess, ShowData.cpp:showCommandLine returned early'),
    lines: ['Process 5008 starting at 0x7ff6a1b21000 with command line: ', 'C:\\Windows\\System32\\hostname.exe'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-2',
    what: 'process start whose image path could not be found: the image line is empty',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnCreateProcess, showModuleNameEx wrote "unknown module" to stderr'),
    lines: ['Process 5008 starting at 0x7ff6a1b21000 with command line: "x.exe"', '', 'a line the program wrote'],
    // The empty line is the image path: the next line is the program's.
    kinds: { events: 1, blank: 1, programOutput: 1 },
  },
  {
    id: 'EV-3',
    what: 'process start whose command line holds a newline and a call-looking text',
    spelling: 'master',
    origin: `${REAL_MASTER} (reg.exe query $'HKCU\\\\Software\\\\x\\nNtFake(Handle=4) => 0')`,
    lines: [
      'Process 264 starting at 1 with command line: "reg.exe query "HKCU\\Software\\x',
      'NtFake(Handle=4) => 0""',
      '\\??\\C:\\windows\\system32\\reg.exe',
    ],
    // The command line's second line is the event's (no call), then the image path.
    kinds: { events: 3 },
  },
  {
    id: 'EV-4',
    what: 'process exit',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: ['Process 300 exit code: 0'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-4',
    what: 'process exit, prefixed',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: ['20:50:23.106: [ 396/ 400] Process 396 exit code: 0'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-5',
    what: 'thread created (v1.0: never prefixed)',
    spelling: 'v1.0',
    origin: syn('NtTrace.cpp:OnCreateThread v1.0'),
    lines: ['Created thread: 1234 at 00007FF8C1E2A3B0'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-5',
    what: 'thread created, prefixed',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnCreateThread'),
    lines: ['[ 396/1234] Created thread: 1234 at 0x7ff8c1e2a3b0'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-6',
    what: 'thread exit',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnExitThread'),
    lines: ['Thread 1234 exit code: 0', '12:00:01.250: [ 396/1234] Thread 1234 exit code: 259'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-7',
    what: 'DLL loaded (name from the debug event, or the handle\'s path), a Null DLL, an unreadable name, no name at all ("unknown module" went to stderr)',
    spelling: 'master',
    origin: `${REAL_MASTER} (first two) and ${syn('NtTrace.cpp:OnLoadDll, ShowData.cpp:showName')}`,
    lines: [
      'Loaded DLL at 0x170000000 C:\\windows\\system32\\ntdll.dll',
      'Loaded DLL at 0x10000000 \\??\\C:\\windows\\system32\\tzres.dll',
      'Loaded DLL at 0 Null DLL',
      'Loaded DLL at 0x7ff8c1e20000 null',
      'Loaded DLL at 0x7ff8c1e20000 ',
    ],
    kinds: { events: 5 },
  },
  {
    id: 'EV-7',
    what: 'DLL loaded, MSVC build on Windows',
    spelling: 'v1.0',
    origin: syn('NtTrace.cpp:OnLoadDll v1.0'),
    lines: ['Loaded DLL at 00007FF8C1E20000 ntdll.dll', 'Loaded DLL at 00007FF8C0B50000 C:\\WINDOWS\\System32\\KERNEL32.DLL'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-8',
    what: 'DLL unloaded: v1.0 the address only',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: ['Unload of DLL at 0x10000000'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-8',
    what: 'DLL unloaded: master adds "(path)"',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      'Unload of DLL at 0x10000000 (\\??\\C:\\windows\\system32\\tzres.dll)',
      '[ 260] Unload of DLL at 0x10000000 (\\??\\C:\\windows\\system32\\tzres.dll)',
    ],
    kinds: { events: 2 },
  },
  {
    id: 'EV-9',
    what: 'v1.0: every non-NtTrace breakpoint, the first one included, unprefixed',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: ['Breakpoint at 0x1700555f4'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-9',
    what: 'master: "Initial breakpoint" once per process, then "Breakpoint at X (first|last chance)"',
    spelling: 'master',
    origin: `${REAL_MASTER} (first) and ${syn('NtTrace.cpp:OnException')}`,
    lines: ['[ 260] Initial breakpoint', 'Breakpoint at 0x7ff8c1e9b6a0 (first chance)'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-10',
    what: 'WOW64 initialised (a 32-bit program under 64-bit NtTrace; Windows only)',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, STATUS_WX86_BREAKPOINT'),
    lines: ['[5008/5012] WOW64 initialised', 'WOW64 initialised'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-11',
    what: 'access violation (MinGW and MSVC pointer spellings)',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, EXCEPTION_ACCESS_VIOLATION'),
    lines: [
      'Access violation at 0x140001010: Write to 0 (first chance)',
      '[5008/5012] Access violation at 00007FF6A1B21010: Read from 0000000000000010 (last chance)',
    ],
    kinds: { events: 2 },
  },
  {
    id: 'EV-12',
    what: 'close of an invalid handle (master only)',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, STATUS_INVALID_HANDLE'),
    lines: ['Exception raised by attempted close of an invalid handle', 'Ignoring unhandled exception from close of an invalid handle'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-13',
    what: 'C++ exception: type, rethrow, raw type, bare',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, ShowData.cpp:showThrowType'),
    lines: [
      'C++ exception at 00007FFB2C1E4F69 type: class std::runtime_error',
      'C++ exception at 00007FFB2C1E4F69 rethrow',
      'C++ exception at 0x7ffb2c1e4f69 raw type: .?AVbad_alloc@std@@',
      '[5008/5012] C++ exception at 00007FFB2C1E4F69',
    ],
    kinds: { events: 4 },
  },
  {
    id: 'EV-14',
    what: 'CLR exception: v1.0 HR as a pointer, master as hex',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, CLR_EXCEPTION'),
    lines: ['CLR exception, HR: FFFFFFFF80131500', '[5008/5012] CLR exception, HR: 80131500'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-15',
    what: 'v1.0 notifications carry now() even without -time',
    spelling: 'v1.0',
    origin: syn('NtTrace.cpp:OnException v1.0, MSVC_NOTIFICATION / CLR_NOTIFICATION'),
    lines: [
      '20:50:20.453: SetThreadName "worker"',
      '20:50:20.453: MSVC Notification: 0000000000001001',
      '20:50:20.460: CLR Notification: 0000000000000001',
    ],
    kinds: { events: 3 },
  },
  {
    id: 'EV-15',
    what: 'master notifications, with header()',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, MSVC_NOTIFICATION / CLR_NOTIFICATION'),
    lines: ['SetThreadName "worker"', '[5008/5012] MSVC Notification: 0x1001', '12:00:01.250: CLR Notification: 0x1'],
    kinds: { events: 3 },
  },
  {
    id: 'EV-16',
    what: 'SetThreadName whose name holds a newline (written raw): its tail is program output',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, ShowData.cpp:showString'),
    lines: ['SetThreadName "two', 'lines"'],
    kinds: { events: 1, programOutput: 1 },
  },
  {
    id: 'EV-17',
    what: 'any other exception (first|last chance)',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException, default branch'),
    lines: ['Exception: 20474343 at 0x7ffb2c1e4f69 (first chance)', '[5008/5012] Exception: c0000094 at 00007FF6A1B21010 (last chance)'],
    kinds: { events: 2 },
  },
  {
    id: 'EV-17',
    what: 'any other exception, v1.0',
    spelling: 'v1.0',
    origin: syn('NtTrace.cpp:OnException v1.0, default branch'),
    lines: ['Exception: c0000094 at 00007FF6A1B21010 (first chance)'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-18',
    what: "thread context errors in the trace stream (OnBreakpoint's set, stackTrace's get)",
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnBreakpoint; EntryPoint.cpp:EntryPoint::stackTrace; DisplayError.inl'),
    lines: ["Can't set thread context: error 5 (Access is denied)", "Can't get thread context: error 6 (The handle is invalid)"],
    kinds: { events: 2 },
  },
  {
    id: 'EV-19',
    what: '-sls: Setting SHOW_LDR_SNAPS (master)',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: ['[ 260] Setting SHOW_LDR_SNAPS'],
    kinds: { events: 1 },
  },
  {
    id: 'EV-20',
    what: 'Detached (Ctrl+C; std::cout, so never in a -out file)',
    spelling: 'master',
    origin: syn('NtTrace.cpp:detachAll'),
    lines: ['Detached'],
    kinds: { events: 1 },
    frame: 'before',
  },
];

// Lines that are not calls nor events: -stack frames, -totals, debug strings, the program's own output.
const otherLines: Shape[] = [
  {
    id: 'STK-1',
    what: '-stack after a call: frames (Wine: no symbols, pointer + offset padded to 30), then an empty line',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: [
      'NtQueryVirtualMemory(ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null) => 0',
      '0x170000000 + 0xe305          ',
      'Stack frame: 0x1700878e0 out of sequence',
      '',
    ],
    kinds: { calls: 1, programOutput: 2, blank: 1 },
    calls: ['NtQueryVirtualMemory'],
  },
  {
    id: 'STK-1',
    what: '-stack after a call, v1.0',
    spelling: 'v1.0',
    origin: REAL_V10,
    lines: [
      'NtQueryVirtualMemory( ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null ) => 0',
      '0x170000000 + 0xe305          ',
      'Stack frame: 0x1700878e0 out of sequence',
      '',
    ],
    kinds: { calls: 1, programOutput: 2, blank: 1 },
    calls: ['NtQueryVirtualMemory'],
  },
  {
    id: 'STK-2',
    what: '-stack on Windows with symbols: module + offset, symbol (an Nt name), file(line), inline frames, a bare pointer, Null address',
    spelling: 'master',
    origin: syn('SymbolEngine.cpp:SymbolEngine::StackTrace, printAddress'),
    lines: [
      'NtOpenKey(KeyHandle=0x19f538, DesiredAccess=KEY_READ, ObjectAttributes="\\Registry\\Machine\\x") => 0',
      'ntdll.dll + 0x9d0e4           NtOpenKey + 20',
      'KERNELBASE.dll + 0x2a1b3      RegOpenKeyExInternalW + 243 (1 inlined)',
      '[inline frame]                 LocalBaseRegOpenKey',
      'app.exe + 0x1010              main + 16   c:\\src\\app (1).cpp(42) + 3 bytes',
      '00000000776A1234 (non executable)',
      'Null address',
      '',
    ],
    kinds: { calls: 1, programOutput: 6, blank: 1 },
    calls: ['NtOpenKey'],
  },
  {
    id: 'STK-3',
    what: '-stack after an exception event',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnException then EntryPoint::stackTrace'),
    lines: ['Access violation at 0x140001010: Write to 0 (first chance)', 'app.exe + 0x1010              main + 16'],
    kinds: { events: 1, programOutput: 1 },
  },
  {
    id: 'TOT-1',
    what: '-totals at the end (master): empty line, "Total calls", [category], "Name: n", "Grand total: n"',
    spelling: 'master',
    origin: `${REAL_MASTER} (-totals)`,
    lines: ['', 'Total calls', '[File]', 'NtOpenFile: 8', 'NtWriteFile: 1', '[Memory]', 'NtAllocateVirtualMemory: 5', 'Grand total: 148'],
    kinds: { blank: 1, programOutput: 7 },
    frame: 'before',
  },
  {
    id: 'ODS-1',
    what: 'OutputDebugString without -nl: the raw string; one without a newline runs into the next line',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnOutputDebugString, ShowData.cpp:showString'),
    lines: ['a debug string', 'no newline hereNtClose(Handle=0x2c) => 0'],
    kinds: { programOutput: 1, embeddedCalls: 1 },
  },
  {
    id: 'ODS-2',
    what: 'OutputDebugString with -nl: prefixed, newline added',
    spelling: 'master',
    origin: syn('NtTrace.cpp:OnOutputDebugString'),
    lines: ['[ 396/ 400] a debug string', '12:00:01.250: 0f4c:1a2c @ 00512343 - LdrpInitializeProcess - INFO: Beginning execution'],
    kinds: { programOutput: 2 },
  },
  {
    id: 'OUT-1',
    what: "the program's console output sharing NtTrace's stdout (no -out): text run into a prefixed call, and its own newline",
    spelling: 'master',
    origin: `${REAL_MASTER} (no -out, -pid: cmd.exe echo)`,
    lines: [
      'hello from cmd[ 260] NtWriteFile(FileHandle=0xc, Event=0, ApcRoutine=null, ApcContext=null, IoStatusBlock=0x21ad20 [0/0xe], Buffer=0x10ae070, Length=0xe, ByteOffset=null, Key=null) => 0',
      '',
      'a whole line from the program',
    ],
    kinds: { embeddedCalls: 1, blank: 1, programOutput: 1 },
  },
  {
    id: 'OUT-1',
    what: 'the same, with recoverEmbedded: the call after the text is read',
    spelling: 'master',
    origin: REAL_MASTER,
    lines: ['hello from cmd[ 260] NtWriteFile(FileHandle=0xc, Event=0, Buffer=0x10ae070, Length=0xe, ByteOffset=null, Key=null) => 0'],
    kinds: { embeddedCalls: 1 },
    calls: ['NtWriteFile'],
    options: { recoverEmbedded: true },
  },
  {
    id: 'OUT-2',
    what: 'a program printing a call-looking line: indistinguishable from a call',
    spelling: 'master',
    origin: syn('any program writing to a shared stdout'),
    lines: ['NtTerminateProcess(ProcessHandle=-1, ExitStatus=0) => 0'],
    kinds: { calls: 1 },
    calls: ['NtTerminateProcess'],
  },
  {
    id: 'VRB-1',
    what: '-v (std::cout, so only when the trace goes to stdout)',
    spelling: 'master',
    origin: `${REAL_MASTER} (-v, no -out) and ${syn('EntryPoint.cpp:EntryPoint::setNtTrap, dead export')}`,
    lines: [
      'Instrumenting NtAddAtom at: 0x17000d070, ssn: 0x3',
      'Unable to locate NtAddAtomEx',
      'Dead export found for: NtUserSetWindowFNID',
    ],
    kinds: { programOutput: 3 },
  },
  {
    id: 'ERR-1',
    what: "stderr merged into the log (2>&1): NtTrace's warnings",
    spelling: 'master',
    origin: `${REAL_MASTER} (stderr)`,
    lines: ['Warning: Only 227 entry points active out of 535', 'Cannot trap NtUserCallNoParam (maybe implemented in another DLL)'],
    kinds: { programOutput: 2 },
  },
];

const ALL: [string, Shape[]][] = [
  ['call lines (EntryPoint::trace)', callLines],
  ['-pre lines', preLines],
  ['a last line cut inside a call', cutLines],
  ['-time / -delta / -pid / -tid prefixes', prefixLines],
  ['debug events (NtTrace.cpp)', eventLines],
  ['stack frames, totals, debug strings, program output', otherLines],
];

for (const [title, shapes] of ALL) {
  describe(`NtTrace grammar: ${title}`, () => {
    for (const s of shapes) {
      const label = `${s.id} [${s.spelling}] ${s.what} (${s.origin})`;
      const run = (): void => {
        const want = build(s);
        const bytes = Buffer.from(want.text, 'utf8');
        const r = readTraceSync(bytes, s.options);
        expect(r.format).toBe('raw');
        expect(names(r)).toEqual(want.calls);
        expect(r.stats).toEqual(want.stats);
        // Cut into chunks at every byte: the same reading.
        for (let cut = 1; cut < bytes.length; cut++) {
          const p = readCut(bytes, [cut], s.options ?? {});
          expect(names(p)).toEqual(want.calls);
          expect(p.stats).toEqual(want.stats);
        }
        const threes = Array.from({ length: Math.floor(bytes.length / 3) }, (_, i) => (i + 1) * 3);
        const p3 = readCut(bytes, threes, s.options ?? {});
        expect(names(p3)).toEqual(want.calls);
        expect(p3.stats).toEqual(want.stats);
      };
      it(label, run);
    }
  });
}

describe('NtTrace grammar: a whole log of each version', () => {
  it('reads a v1.0 log with -time -pid -tid: events unprefixed, calls prefixed (real, under Wine)', () => {
    const log =
      [
        'Process 300 starting at 1',
        '\\??\\C:\\windows\\system32\\hostname.exe',
        'Loaded DLL at 0x170000000 C:\\windows\\system32\\ntdll.dll',
        '20:50:20.453 : [ 300/ 304] NtQueryVirtualMemory( ProcessHandle=-1, BaseAddress=0x170034d90, MemoryInformationClass=0 [MemoryBasicInformation], MemoryInformation=0x21fa40, Length=0x30, ReturnLength=null ) => 0',
        '20:50:20.460 +0.007: [ 300/ 304] NtQueryValueKey( KeyHandle=0x24, ValueName="SafeProcessSearchMode", KeyValueInformationClass=2 [KeyValuePartialInformation], KeyValueInformation=0x21f930, Length=0x7e, ResultLength=0x21f91c ) => 0xc0000034 [2 \'File not found.\']',
        'Loaded DLL at 0x10000000 \\??\\C:\\windows\\system32\\tzres.dll',
        'Unload of DLL at 0x10000000',
        'Breakpoint at 0x1700555f4',
        '20:50:20.470 +0.010: [ 300/ 304] NtTerminateProcess( ProcessHandle=-1, ExitStatus=0 ) => 0',
        'Process 300 exit code: 0',
      ].join('\r\n') + '\r\n';
    const r = readTraceSync(log, { split: 'thread' });
    expect(names(r)).toEqual(['NtQueryVirtualMemory', 'NtQueryValueKey', 'NtTerminateProcess']);
    expect(r.stats).toEqual({
      lines: 10,
      calls: 3,
      preCalls: 0,
      embeddedCalls: 0,
      events: 7,
      programOutput: 0,
      unparseable: 0,
      cutCalls: 0,
      blank: 0,
    });
    expect(r.groups?.map((g) => g.key)).toEqual(['300/304']);
  });
});
