/**
 * How the runner reads the tracer's standard output.
 *
 * With `stdio: 'pipe'`, Node reads a child's output into a fresh buffer for every read
 * (up to 64 KiB each). The runner parses each chunk and drops it at once, but V8 frees that
 * memory only at its next collection, and external memory counts little towards starting
 * one: with a fast writer, ~35 MiB of dead read buffers sat in the runner's resident set
 * (docs/benchmarks.md, "Runner").
 *
 * On POSIX the runner therefore owns the channel instead: a Unix socket pair made with a
 * private `net.Server` (in a fresh `mkdtemp` directory, mode 0700, closed and removed as
 * soon as the one connection is made). The accepted end becomes the tracer's stdout (spawn
 * duplicates its descriptor into the child, and the parent's copy is closed right after),
 * and the connecting end is read with `net.Socket`'s `onread` option: every read lands in
 * ONE buffer allocated here and reused, so reading allocates nothing per chunk. End of file
 * comes, as with a pipe, once every process holding the tracer's stdout has closed it.
 *
 * Windows keeps `'pipe'` (see docs/runner.md, "Cost"); so does any platform where the
 * socket cannot be set up (e.g. a temporary directory path too long for a socket name).
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Size of the one read buffer (the size of libuv's own pipe reads). */
export const READ_BUFFER_BYTES = 64 * 1024;

/** Longest socket path used (sun_path holds 104 bytes on macOS and the BSDs, with the NUL). */
const MAX_SOCKET_PATH = 103;

/** A local connection is made at once; this only bounds a broken setup (then: a pipe). */
const SETUP_TIMEOUT_MS = 5000;

/** A connected socket pair for the tracer's stdout. */
export interface OutputSocket {
  /** Give this to `spawn` as `stdio[1]`, then call {@link OutputSocket.release}. */
  readonly childEnd: Socket;
  /** The end this process reads; emits `close` after the tracer's output ended (or on `destroy()`). */
  readonly reader: Socket;
  /** Closes this process's copy of the child's end (once spawn has duplicated it). */
  release(): void;
  /** Closes everything (idempotent). */
  destroy(): void;
}

/** Whether {@link openOutputSocket} is tried on this platform. */
export function ownsOutputChannel(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'win32';
}

/**
 * Makes the socket pair; `onChunk` receives each read as a view of the one reused buffer,
 * valid only during the call. Resolves undefined when the socket cannot be set up (the
 * caller then falls back to a pipe); never rejects.
 */
export async function openOutputSocket(onChunk: (chunk: Buffer) => void, bufferBytes = READ_BUFFER_BYTES): Promise<OutputSocket | undefined> {
  let dir: string | undefined;
  let server: Server | undefined;
  let reader: Socket | undefined;
  let accepted: Socket | undefined;
  const removeDir = (): void => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };
  try {
    dir = mkdtempSync(join(tmpdir(), 'ntmd-out-')); // mode 0700: only this user can connect
    const path = join(dir, 'stdout.sock');
    // libuv silently truncates a longer socket name (sun_path: 108 bytes on Linux, 104 on
    // macOS), which would put the socket outside this directory: use a pipe instead.
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error('socket path too long');
    const srv = createServer({ pauseOnConnect: true });
    server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(path, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    const buffer = Buffer.allocUnsafe(bufferBytes);
    const acceptedP = new Promise<Socket>((resolve, reject) => {
      srv.once('connection', resolve);
      srv.once('error', reject);
    });
    const client = connect({
      path,
      onread: {
        buffer,
        callback: (nread: number, buf: Uint8Array): boolean => {
          onChunk((buf as Buffer).subarray(0, nread));
          return true; // keep reading (false would pause the socket)
        },
      },
    });
    reader = client;
    const connected = new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const tooLong = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the output socket did not connect')), SETUP_TIMEOUT_MS);
    });
    try {
      [accepted] = await Promise.race([Promise.all([acceptedP, connected]), tooLong]);
    } finally {
      clearTimeout(timer);
    }
    // One connection, then no listener and no file left behind.
    srv.close();
    server = undefined;
    removeDir();
    const childEnd = accepted;
    childEnd.on('error', () => {});
    // A read error ends the output as end of file would ('close' follows).
    client.removeAllListeners('error');
    client.on('error', () => {});
    let released = false;
    return {
      childEnd,
      reader: client,
      release() {
        if (released) return;
        released = true;
        childEnd.destroy();
      },
      destroy() {
        childEnd.destroy();
        client.destroy();
      },
    };
  } catch {
    reader?.destroy();
    accepted?.destroy();
    server?.close();
    removeDir();
    return undefined;
  }
}
