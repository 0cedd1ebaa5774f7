// Real processes and sockets only: every child is spawned detached (its own process group) and
// killed as a group in after().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  GroupSampler, findListeningPids, isPortOpen, isSameProcess, listProcessGroup, parseProcStat,
  readProcStat, readRssBytes,
} from './procfs.js';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function start(cmd: string, args: string[]): ChildProcess & { pid: number } {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  assert.ok(child.pid, `spawn ${cmd} failed`);
  return child as ChildProcess & { pid: number };
}

/** First line the child prints on stdout. */
async function firstLine(child: ChildProcess): Promise<string> {
  let buf = '';
  for await (const chunk of child.stdout!) {
    buf += String(chunk);
    if (buf.includes('\n')) return buf.slice(0, buf.indexOf('\n'));
  }
  throw new Error('child closed stdout without a line');
}

async function waitFor<T>(fn: () => Promise<T | null | false>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function listener(host: string): Promise<{ child: ChildProcess & { pid: number }; port: number }> {
  const script = `const s=require('net').createServer(()=>{});s.listen(0,${JSON.stringify(host)},()=>console.log(s.address().port))`;
  const child = start(process.execPath, ['-e', script]);
  return firstLine(child).then((line) => ({ child, port: Number(line) }));
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

const hasIPv6 = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.family === 'IPv6' && a.internal));

describe('parseProcStat', () => {
  const tail = 'S 10 20 30 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 555 1000 50 18446744073709551615';
  it('parses from the last ")" when comm has spaces and parentheses', () => {
    for (const comm of ['(a) b)', 'x) R 1 2 3 (', 'a b', ')', 'tab\there', 'nl\n) Z 9']) {
      assert.deepEqual(parseProcStat(`42 (${comm}) ${tail}\n`), {
        pid: 42, ppid: 10, pgrp: 20, session: 30, state: 'S', utimeTicks: 7, stimeTicks: 3, startTimeTicks: 555,
      }, comm);
    }
  });
  it('rejects malformed text', () => {
    for (const bad of ['', '42', '42 (x)', '42 (x) S 1 2', 'abc (x) ' + tail, `42 (x) S 1 2 3 a b c d e f g h i j k l m n o p`]) {
      assert.equal(parseProcStat(bad), null, JSON.stringify(bad));
    }
  });
});

describe('process identity', () => {
  it('reads our child and its process group', async () => {
    const child = start('sleep', ['30']);
    const st = await readProcStat(child.pid);
    assert.ok(st);
    assert.equal(st.pid, child.pid);
    assert.equal(st.ppid, process.pid);
    assert.equal(st.pgrp, child.pid); // detached: leader of a new group (and session)
    assert.equal(st.session, child.pid);
    assert.ok(st.startTimeTicks > 0);
    assert.ok(await readRssBytes(child.pid) > 0);
  });

  it('reads a real process whose comm is "(a) b)"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'procfs-'));
    try {
      const exe = join(dir, '(a) b)');
      await symlink('/bin/sleep', exe); // comm is taken from the name given to execve
      const child = start(exe, ['30']);
      // Until execve completes the child is still a copy of node: wait for the new comm.
      await waitFor(async () => (await readFile(`/proc/${child.pid}/comm`, 'utf8')) === '(a) b)\n', 'exec');
      const st = await readProcStat(child.pid);
      assert.ok(st);
      assert.equal(st.pid, child.pid);
      assert.equal(st.ppid, process.pid);
      assert.match(st.state, /^[RSD]$/); // fields after comm are aligned (sleep may still be starting: R)
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('isSameProcess checks start time, death and reaping', async () => {
    const child = start('sleep', ['30']);
    const st = await readProcStat(child.pid);
    assert.ok(st);
    assert.equal(await isSameProcess(child.pid, st.startTimeTicks), true);
    assert.equal(await isSameProcess(child.pid, st.startTimeTicks + 1), false);
    const exited = once(child, 'exit'); // emitted after libuv has reaped it
    child.kill('SIGKILL');
    await exited;
    assert.equal(await isSameProcess(child.pid, st.startTimeTicks), false);
    assert.equal(await readProcStat(child.pid), null);
    assert.equal(await readRssBytes(child.pid), 0);
  });

  it('isSameProcess is false for a zombie', async () => {
    // `sleep 0` is forked by bash, which then execs `sleep 30`: the new image never waits,
    // so the finished `sleep 0` stays a zombie until the group is killed.
    const parent = start('bash', ['-c', 'sleep 0 & echo $!; exec sleep 30']);
    const zpid = Number(await firstLine(parent));
    const z = await waitFor(async () => {
      const s = await readProcStat(zpid);
      return s?.state === 'Z' ? s : null;
    }, 'zombie');
    assert.equal(z.ppid, parent.pid);
    assert.equal(await isSameProcess(zpid, z.startTimeTicks), false);
    assert.equal(await readRssBytes(zpid), 0);
    assert.ok(!(await listProcessGroup(parent.pid)).some((p) => p.pid === zpid), 'zombies are not live');
  });

  it('rejects nonsense pids', async () => {
    for (const pid of [0, -1, 1.5, NaN]) {
      assert.equal(await readProcStat(pid), null);
      assert.equal(await isSameProcess(pid, 0), false);
      assert.equal(await readRssBytes(pid), 0);
    }
  });
});

describe('process groups', () => {
  it('listProcessGroup finds a parent and its child', async () => {
    const parent = start('sh', ['-c', 'sleep 30 & echo $!; wait']);
    const kid = Number(await firstLine(parent));
    const group = await listProcessGroup(parent.pid);
    assert.deepEqual(group.map((p) => p.pid).sort((a, b) => a - b), [parent.pid, kid].sort((a, b) => a - b));
    assert.ok(group.every((p) => p.pgrp === parent.pid));
    assert.equal(group.find((p) => p.pid === kid)?.ppid, parent.pid);
    assert.deepEqual(await listProcessGroup(0), []);
  });

  it('GroupSampler reports CPU and RSS of a busy group', async () => {
    const busy = start(process.execPath, ['-e', 'console.log("go"); for (;;) {}']);
    await firstLine(busy);
    const sampler = new GroupSampler();
    const first = await sampler.sample(busy.pid);
    assert.ok(first);
    assert.equal(first.cpuPercent, 0); // no previous sample
    await sleep(300);
    const second = await sampler.sample(busy.pid);
    assert.ok(second);
    assert.ok(second.cpuPercent > 0, `cpu ${second.cpuPercent}`);
    assert.ok(second.rssBytes > 0);
    assert.equal(second.processes, 1);
    sampler.forget(busy.pid);
    assert.equal((await sampler.sample(busy.pid))?.cpuPercent, 0);
    const exited = once(busy, 'exit');
    process.kill(-busy.pid, 'SIGKILL');
    await exited;
    assert.equal(await sampler.sample(busy.pid), null);
  });
});

describe('ports', () => {
  it('finds a child listening on 127.0.0.1', async () => {
    const { child, port } = await listener('127.0.0.1');
    assert.deepEqual(await findListeningPids(port), [child.pid]);
    assert.equal(await isPortOpen(port), true);
  });

  it('finds a child listening on ::1 and on ::', { skip: !hasIPv6 && 'no IPv6 loopback' }, async () => {
    for (const host of ['::1', '::']) {
      const { child, port } = await listener(host);
      assert.deepEqual(await findListeningPids(port), [child.pid], host);
      assert.equal(await isPortOpen(port, '::1'), true, host);
    }
  });

  it('finds our own listening server', async () => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address() as { port: number };
    try {
      assert.deepEqual(await findListeningPids(port), [process.pid]);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('returns [] / false for a closed port and never throws', async () => {
    const port = await closedPort();
    assert.deepEqual(await findListeningPids(port), []);
    assert.equal(await isPortOpen(port), false);
    assert.deepEqual(await findListeningPids(0), []);
    assert.deepEqual(await findListeningPids(70000), []);
    assert.equal(await isPortOpen(70000), false);
    assert.equal(await isPortOpen(port, 'no-such-host.invalid', 300), false);
    assert.equal(await isPortOpen(9, '192.0.2.1', 100), false); // TEST-NET-1: dropped -> timeout
  });
});
