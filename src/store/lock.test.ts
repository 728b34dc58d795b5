/**
 * One owner per embedded store, across processes started together: with a lock left by a
 * killed owner present, and without one, exactly one of several racing processes takes the
 * lock, every time (the built code, in child processes).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/tmp.js';
import { requireBuild } from './test-helpers/backends.js';
import { lockFolder } from './lock.js';

const racerScript = join(import.meta.dirname, 'test-helpers', 'lock-racer.mjs');
const RACERS = 3;

interface Reply {
  ready?: boolean;
  owner?: boolean;
  code?: string;
  released?: boolean;
}

/** A racer process and a queue of its replies. */
class Racer {
  readonly child: ChildProcess;
  private readonly replies: Reply[] = [];
  private waiting: ((r: Reply) => void) | undefined;

  constructor() {
    this.child = fork(racerScript, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (m: Reply) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.replies.push(m);
    });
  }

  next(): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  send(m: unknown): void {
    this.child.send(m as never);
  }
}

const root = scratchDir('ntmd-lock-');
let racers: Racer[] = [];
let staleTemplate: string;

beforeAll(async () => {
  requireBuild();
  // A lock left behind by an owner killed with SIGKILL (its exit handler never ran).
  staleTemplate = join(root, 'stale-template');
  const holder = new Racer();
  expect((await holder.next()).ready).toBe(true);
  holder.send({ dir: staleTemplate, at: 0 });
  expect(await holder.next()).toEqual({ owner: true });
  holder.child.kill('SIGKILL');
  await new Promise((resolve) => holder.child.once('exit', resolve));
  racers = Array.from({ length: RACERS }, () => new Racer());
  for (const r of racers) expect((await r.next()).ready).toBe(true);
});

afterAll(async () => {
  await Promise.all(
    racers.map(
      (r) =>
        new Promise((resolve) => {
          r.child.once('exit', resolve);
          r.send('exit');
        }),
    ),
  );
});

/** One trial: every racer goes for the lock of `dir` at the same instant; returns the replies. */
async function race(dir: string): Promise<Reply[]> {
  const at = Date.now() + 30;
  for (const r of racers) r.send({ dir, at });
  const replies = await Promise.all(racers.map((r) => r.next()));
  for (let i = 0; i < racers.length; i++) {
    if (replies[i].owner) {
      racers[i].send('release');
      expect((await racers[i].next()).released).toBe(true);
    }
  }
  return replies;
}

describe('the owner lock of an embedded store', () => {
  it('60 racing starts with a stale lock present: exactly one owner every time, the others STORE_LOCKED', async () => {
    const owners: number[] = [];
    for (let t = 0; t < 60; t++) {
      const dir = join(root, `stale-${t}`);
      cpSync(staleTemplate, dir, { recursive: true });
      const replies = await race(dir);
      owners.push(replies.filter((r) => r.owner).length);
      for (const r of replies) if (!r.owner) expect(r.code).toBe('STORE_LOCKED');
    }
    expect(owners).toEqual(Array(60).fill(1));
  });

  it('60 racing starts on a fresh folder, and on a released lock: exactly one owner every time', async () => {
    const owners: number[] = [];
    const reused = join(root, 'reused');
    for (let t = 0; t < 60; t++) {
      const replies = await race(t % 2 === 0 ? join(root, `fresh-${t}`) : reused);
      owners.push(replies.filter((r) => r.owner).length);
    }
    expect(owners).toEqual(Array(60).fill(1));
    // The released history is cleaned up: one lock file left in the reused folder.
    expect(readdirSync(reused).filter((n) => n.startsWith('lock'))).toHaveLength(1);
  });

  it('in one process: held means STORE_LOCKED naming this pid; released means free again', () => {
    const dir = join(root, 'same-process');
    mkdirSync(dir);
    const release = lockFolder(dir);
    expect(() => lockFolder(dir)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', ownerPid: process.pid }));
    release();
    const again = lockFolder(dir);
    again();
  });

  it('a legacy lock file (pid@host) of a live process is respected; of a dead one, taken over', async () => {
    const { hostname } = await import('node:os');
    const { writeFileSync } = await import('node:fs');
    const live = join(root, 'legacy-live');
    mkdirSync(live);
    writeFileSync(join(live, 'lock'), `${process.pid}@${hostname()}\n`);
    expect(() => lockFolder(live)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', ownerPid: process.pid }));
    const dead = join(root, 'legacy-dead');
    mkdirSync(dead);
    writeFileSync(join(dead, 'lock'), `${racers[0].child.pid! + 4_000_000}@${hostname()}\n`);
    const release = lockFolder(dead);
    expect(readdirSync(dead).filter((n) => n.startsWith('lock'))).toEqual(['lock.1']);
    release();
  });
});
