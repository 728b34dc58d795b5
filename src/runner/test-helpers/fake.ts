/**
 * Shared pieces of the runner's tests: the fake tracer, a minimal detector, process checks.
 * (Not part of the build: only imported by *.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { projectRoot, corpusDir } from '../../../test/shared.js';
import { scratchDir } from '../../../test/tmp.js';
import { TraceReader } from '../../tokenize/index.js';
import type { LiveDetector, Verdict } from '../types.js';
import { isAlive } from '../process.js';

/** The fake NtTrace script. */
export const FAKE = resolve(projectRoot, 'fixtures', 'fake-nttrace.mjs');

/** Raw NtTrace logs of the shared corpus (read in place, never copied). */
export const RAW_BENIGN = join(corpusDir, 'raw', 'benign', 'LOG_ARP.EXE.txt');
export const RAW_MALICIOUS = join(corpusDir, 'raw', 'malicious', 'LOG_711.exe.txt');

export function tempDir(): string {
  return scratchDir('ntmd-runner-');
}

/**
 * A detector that only counts calls with the real streaming reader and calls every trace
 * benign: enough to test process management without a model.
 */
export function countingDetector(): LiveDetector & { verdicts: number } {
  const reader = new TraceReader({ format: 'raw', keepCalls: false, onCalls: () => {} });
  let lines = 0;
  return {
    verdicts: 0,
    push(chunk) {
      reader.push(chunk);
    },
    get calls() {
      return reader.calls;
    },
    verdict(): Verdict {
      this.verdicts++;
      const calls = reader.calls;
      const insufficient = calls < 10;
      return {
        schemaVersion: 2,
        verdict: insufficient ? 'insufficient' : 'benign',
        malicious: false,
        unfamiliar: false,
        insufficient,
        policy: 'any',
        members: [],
        calls,
        ngrams: Math.max(0, calls - 9),
        knownNgrams: Math.max(0, calls - 9),
        unknownNgramFraction: 0,
      };
    },
    end() {
      try {
        reader.end();
      } catch {
        /* no calls: reported by the session */
      }
      lines = reader.stats.lines;
      return { calls: reader.calls, lines };
    },
  };
}

/** A long-running process to attach to or to trace (killed by the test). */
export function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** Waits until `pid` is gone (or fails after `ms`). */
export async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !isAlive(pid);
}

/** Collects every event, and the error the stream ended with (if any). */
export async function collect<T>(it: AsyncIterable<T>): Promise<{ events: T[]; error: unknown }> {
  const events: T[] = [];
  try {
    for await (const ev of it) events.push(ev);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}
