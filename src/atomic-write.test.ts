import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';
import { scratchDir } from '../test/tmp.js';

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an existing one, leaving no temporary file', async () => {
    const dir = scratchDir();
    const path = join(dir, 'out.txt');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, 'second');
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('replaces the file a symbolic link names and keeps the link', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'real.txt'), 'old');
    symlinkSync('real.txt', join(dir, 'link.txt'));
    await writeFileAtomic(join(dir, 'link.txt'), 'new');
    expect(lstatSync(join(dir, 'link.txt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link.txt'))).toBe('real.txt');
    expect(readFileSync(join(dir, 'real.txt'), 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['link.txt', 'real.txt']);
  });

  it.skipIf(process.platform === 'win32')(
    'writes into a named pipe instead of replacing it',
    async () => {
      const dir = scratchDir();
      const fifo = join(dir, 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const reader = spawn('cat', [fifo]);
      try {
        let got = '';
        reader.stdout.on('data', (b: Buffer) => (got += b.toString()));
        const closed = new Promise((res) => reader.once('close', res));
        await writeFileAtomic(fifo, 'through the pipe');
        await closed;
        expect(got).toBe('through the pipe');
        expect(statSync(fifo).isFIFO()).toBe(true);
        expect(readdirSync(dir)).toEqual(['pipe']);
      } finally {
        reader.kill('SIGKILL');
      }
    },
    10_000,
  );

  // A character device like /dev/null (made here, not the machine's own, so a regression
  // cannot break the machine): root only, as mknod needs it.
  it.skipIf(process.getuid?.() !== 0)('writes into a character device instead of replacing it', async () => {
    const dir = scratchDir();
    const dev = join(dir, 'null');
    expect(spawnSync('mknod', ['-m', '666', dev, 'c', '1', '3']).status).toBe(0);
    await writeFileAtomic(dev, 'discarded');
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir)).toEqual(['null']);
  });
});
