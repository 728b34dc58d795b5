/**
 * A seeded generator of labelled synthetic traces with class-dependent call patterns, for
 * testing `bench` and the `auto` preset on corpora unlike the NtMalDetect one (other call
 * vocabularies, thousands of short traces).
 *
 * Each trace is a walk on a Markov chain shared by both classes, into which short
 * call sequences ("motifs") are spliced: each class has its own motifs, and a trace
 * borrows the other class's motifs now and then, so the classes overlap and no single
 * n-gram decides.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { Mt19937 } from '../stats/random.js';

/** Which call names the traces use. */
export type SyntheticVocabulary = 'nt' | 'linux' | 'linux-numbers' | 'winapi';

/** Options of {@link syntheticCorpus}. */
export interface SyntheticOptions {
  /** Number of traces. Default 6000. */
  traces?: number;
  /** Share of malicious traces. Default 0.5. */
  maliciousFraction?: number;
  /** Shortest and longest trace, in calls. Default 3 and 120 (log-uniform in between). */
  minLength?: number;
  maxLength?: number;
  /** Call vocabulary. Default `nt`. */
  vocabulary?: SyntheticVocabulary;
  /** Chance per call of splicing in a motif. Default 0.2. */
  motifRate?: number;
  /** Chance that a spliced motif comes from the other class. Default 0.15. */
  confusion?: number;
  /** Seed. Default 0. */
  seed?: number;
}

/** A generated corpus: call names per trace, labels, and file-like names. */
export interface SyntheticCorpus {
  readonly names: string[];
  readonly labels: Uint8Array;
  readonly traces: string[][];
}

const NT =
  'NtOpenKey NtQueryValueKey NtClose NtCreateFile NtReadFile NtWriteFile NtQueryInformationFile NtSetInformationFile NtAllocateVirtualMemory NtFreeVirtualMemory NtProtectVirtualMemory NtQueryVirtualMemory NtMapViewOfSection NtUnmapViewOfSection NtCreateSection NtOpenSection NtQuerySystemInformation NtQueryInformationProcess NtOpenProcess NtOpenThread NtCreateThreadEx NtResumeThread NtSuspendThread NtGetContextThread NtSetContextThread NtWaitForSingleObject NtCreateEvent NtSetEvent NtCreateMutant NtReleaseMutant NtOpenProcessToken NtQueryInformationToken NtAdjustPrivilegesToken NtCreateKey NtSetValueKey NtDeleteValueKey NtEnumerateKey NtEnumerateValueKey NtQueryAttributesFile NtQueryDirectoryFile NtDeviceIoControlFile NtFsControlFile NtDelayExecution NtQueryPerformanceCounter NtCreateUserProcess NtTerminateProcess NtTerminateThread NtDuplicateObject NtQueryObject NtWriteVirtualMemory NtReadVirtualMemory NtFlushInstructionCache NtTestAlert NtContinue NtRaiseException NtQueryDefaultLocale NtQueryKey NtOpenFile NtDeleteFile NtConnectPort NtRequestWaitReplyPort NtAlpcSendWaitReceivePort NtCreateIoCompletion NtRemoveIoCompletion NtSetInformationThread NtQueryInformationThread NtYieldExecution'.split(
    ' ',
  );
const LINUX =
  'read write open openat close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select sched_yield mremap msync madvise dup dup2 nanosleep getpid socket connect accept sendto recvfrom sendmsg recvmsg bind listen clone fork execve exit wait4 kill uname fcntl flock fsync getdents64 getcwd chdir rename mkdir rmdir unlink readlink chmod chown umask gettimeofday getuid ptrace futex epoll_wait epoll_ctl prctl arch_prctl set_tid_address exit_group'.split(
    ' ',
  );
const WINAPI =
  'CreateFileW ReadFile WriteFile CloseHandle RegOpenKeyExW RegQueryValueExW RegSetValueExW RegCloseKey RegCreateKeyExW VirtualAlloc VirtualFree VirtualProtect LoadLibraryW GetProcAddress GetModuleHandleW CreateProcessW OpenProcess TerminateProcess CreateThread CreateRemoteThread WriteProcessMemory ReadProcessMemory WaitForSingleObject Sleep GetTickCount QueryPerformanceCounter CreateMutexW ReleaseMutex FindFirstFileW FindNextFileW FindClose GetFileAttributesW SetFileAttributesW DeleteFileW MoveFileW CopyFileW InternetOpenW InternetConnectW HttpOpenRequestW HttpSendRequestW InternetReadFile WSAStartup socket connect send recv closesocket GetSystemInfo GetVersionExW IsDebuggerPresent GetUserNameW CryptAcquireContextW CryptEncrypt CryptDecrypt SetWindowsHookExW GetAsyncKeyState ShellExecuteW OpenSCManagerW CreateServiceW StartServiceW'.split(
    ' ',
  );

function vocabularyOf(v: SyntheticVocabulary): string[] {
  switch (v) {
    case 'nt':
      return NT;
    case 'linux':
      return LINUX;
    case 'linux-numbers':
      // Two digits and up: the vectorizer, like scikit-learn's token pattern, refuses
      // one-character call names.
      return Array.from({ length: 72 }, (_, i) => String(i + 10));
    case 'winapi':
      return WINAPI;
    default:
      throw new InvalidOptionError('vocabulary', 'nt, linux, linux-numbers or winapi', v);
  }
}

function intOpt(name: string, v: number | undefined, def: number, min: number): number {
  const x = v ?? def;
  if (!Number.isInteger(x) || x < min) throw new InvalidOptionError(name, `an integer >= ${min}`, v);
  return x;
}

function probOpt(name: string, v: number | undefined, def: number): number {
  const x = v ?? def;
  if (!(x >= 0 && x <= 1)) throw new InvalidOptionError(name, 'a number in [0, 1]', v);
  return x;
}

/** Generates a labelled corpus in memory (deterministic for given options). */
export function syntheticCorpus(options: SyntheticOptions = {}): SyntheticCorpus {
  const n = intOpt('traces', options.traces, 6000, 2);
  const minLength = intOpt('minLength', options.minLength, 3, 1);
  const maxLength = intOpt('maxLength', options.maxLength, 120, minLength);
  const fracMal = probOpt('maliciousFraction', options.maliciousFraction, 0.5);
  const motifRate = probOpt('motifRate', options.motifRate, 0.2);
  const confusion = probOpt('confusion', options.confusion, 0.15);
  const vocab = vocabularyOf(options.vocabulary ?? 'nt');
  const rng = new Mt19937(intOpt('seed', options.seed, 0, 0));
  const V = vocab.length;
  const pick = (k: number): number => rng.interval(k - 1);
  // Shared chain: each call has 4 likely successors (weights 8, 4, 2, 1) and a small
  // chance of any call.
  const succ = new Int32Array(V * 4);
  for (let i = 0; i < succ.length; i++) succ[i] = pick(V);
  const next = (a: number): number => {
    const u = rng.random() * 16;
    if (u < 8) return succ[a * 4];
    if (u < 12) return succ[a * 4 + 1];
    if (u < 14) return succ[a * 4 + 2];
    if (u < 15) return succ[a * 4 + 3];
    return pick(V);
  };
  const motifs: number[][][] = [0, 1].map(() => Array.from({ length: 8 }, () => Array.from({ length: 4 + pick(5) }, () => pick(V))));
  const names: string[] = [];
  const traces: string[][] = [];
  const labels = new Uint8Array(n);
  const nMal = Math.round(n * fracMal);
  const width = String(n).length;
  for (let t = 0; t < n; t++) {
    const label = t >= n - nMal ? 1 : 0;
    labels[t] = label;
    const len = Math.round(Math.exp(Math.log(minLength) + rng.random() * (Math.log(maxLength) - Math.log(minLength))));
    const calls: string[] = [];
    let cur = pick(V);
    while (calls.length < len) {
      if (rng.random() < motifRate) {
        const cls = rng.random() < confusion ? 1 - label : label;
        for (const c of motifs[cls][pick(8)]) {
          if (calls.length >= len) break;
          calls.push(vocab[c]);
          cur = c;
        }
      } else {
        cur = next(cur);
        calls.push(vocab[cur]);
      }
    }
    traces.push(calls);
    names.push(`${label ? 'sysMAL' : 'sysBEN'}/LOG_synth${String(t).padStart(width, '0')}.txt`);
  }
  return { names, labels, traces };
}

/**
 * Writes a generated corpus in the NtMalDetect layout (`sysBEN/` and `sysMAL/`, one call
 * name per line), ready for `ntmaldetect bench --corpus DIR`.
 * @returns the number of files written.
 */
export function writeSyntheticCorpus(dir: string, options: SyntheticOptions = {}): number {
  const c = syntheticCorpus(options);
  mkdirSync(join(dir, 'sysBEN'), { recursive: true });
  mkdirSync(join(dir, 'sysMAL'), { recursive: true });
  c.names.forEach((name, i) => writeFileSync(join(dir, name), c.traces[i].join('\n') + '\n'));
  return c.names.length;
}
