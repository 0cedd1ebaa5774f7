import { GridClient, type LocalConnectionsResponse, type LocalProcessResponse, type TunnelErrorCode, type WhoAmI } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCoordinator, type TestCoordinator } from '../packages/coordinator/src/testing/harness.js';
import { openLink } from '../packages/coordinator/src/testing/link-client.js';
import { writeInChunks } from '../packages/agent/src/testing/chunked-writer.js';
import { startFakeMinecraft } from '../packages/agent/src/testing/fake-minecraft-server.js';
import { freePort, isAlive, Pc, waitUntil, waitUntilValue } from './agent-harness.js';
import { type Connected, ending, exchange, gridConnect, localServer, openSocket, robustEchoCommand, rssOf, sha256, within } from './tunnel-harness.js';

const WINDOW = 256 * 1024;
/** No test may hang the suite. */
const T = { timeout: 90_000 };
const PASSWORD = 'correct horse battery';

/**
 * `grid connect` end to end: a real coordinator (in this process), alice's PC
 * (pc1) hosting, bob's PC (pc2) connecting, carol's PC (pc3) outside the grid.
 * Servers that live in this test process are shared with `grid run --port P --
 * sleep …`: the host agent dials declared port P, whoever listens there.
 */
describe('grid connect through the coordinator relay', () => {
  let t: TestCoordinator;
  let pc1: Pc;
  let pc2: Pc;
  let pc3: Pc;
  let gridId: string;
  let echoId: string;
  let echo: Connected;
  const cleanups: Array<() => Promise<unknown>> = [];

  const token = async (pc: Pc) => (await readFile(join(pc.home, 'token'), 'utf8')).trim();
  /** Another login of a PC's user: a raw link of its own that does not replace the agent's. */
  const rawLink = async (pc: Pc) => {
    const who = await pc.json<WhoAmI>('whoami');
    const { token: tk } = await t.anon.login({ username: who.user.username, password: PASSWORD, deviceName: 'raw-test-link' });
    const link = await openLink(t.url, tk);
    cleanups.push(async () => link.close());
    return link;
  };
  const failCode = (f: { type: string; code?: TunnelErrorCode }) => (f.type === 'open_fail' ? f.code : f.type);
  const relay = () => t.coordinator.services.tunnels.relay.stats();

  before(async () => {
    t = await startTestCoordinator('pglite', { GRID_HEARTBEAT_INTERVAL_MS: '500', GRID_STALE_AFTER_MS: '10000', GRID_TUNNEL_WINDOW_BYTES: String(WINDOW) });
    [pc1, pc2, pc3] = await Promise.all([Pc.create('host'), Pc.create('guest'), Pc.create('outsider')]);
    await Promise.all([
      pc1.ok('signup', '--server', t.url, '--username', `alice${process.pid}`, '--device-name', 'pc1'),
      pc2.ok('signup', '--server', t.url, '--username', `bob${process.pid}`, '--device-name', 'pc2'),
      pc3.ok('signup', '--server', t.url, '--username', `carol${process.pid}`, '--device-name', 'pc3'),
    ]);
    gridId = (await pc1.json<{ grid: { id: string } }>('grids', 'create', 'lan')).grid.id;
    const { invite } = await pc1.json<{ invite: { code: string } }>('invite', 'lan', '--uses', '1');
    await pc2.ok('join', invite.code);
    const port = await freePort();
    echoId = (await pc1.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'echo', '--port', String(port), '--', ...robustEchoCommand(port))).process.id;
    await waitUntil(async () => (await pc1.status()).link?.state === 'connected' && (await pc2.status()).link?.state === 'connected', 'both agent links');
    await waitUntil(async () => (await exchange(port, 'up').catch(() => Buffer.alloc(0))).toString() === 'up', 'the echo server');
    echo = await gridConnect(pc2, 'echo');
  });

  after(async () => {
    await echo?.stop();
    for (const c of cleanups.splice(0)) await c().catch(() => {});
    await Promise.all([pc1?.destroy(), pc2?.destroy(), pc3?.destroy()]);
    await t?.close();
  });

  test('an echo server and an HTTP server behind a tunnel', T, async () => {
    assert.equal((await exchange(echo.port, 'hello through the relay')).toString(), 'hello through the relay');
    await waitUntil(() => echo.events.some((e) => e.type === 'closed' && e.reason === 'closed' && e.bytesIn === 23 && e.bytesOut === 23), 'the connection to be reported closed, 23 bytes each way');

    const http = createHttpServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (d: Buffer) => body.push(d));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, sha: sha256(body) })));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (http.close(r), http.closeAllConnections())));
    const httpPort = (http.address() as { port: number }).port;
    await pc1.ok('run', '--grid', 'lan', '--name', 'web', '--kind', 'http', '--port', String(httpPort), '--', 'sleep', '600');
    const web = await gridConnect(pc2, 'web');
    cleanups.push(() => web.stop());
    const get = (await (await fetch(`http://127.0.0.1:${web.port}/hello?x=1`)).json()) as { method: string; url: string };
    assert.deepEqual([get.method, get.url], ['GET', '/hello?x=1']);
    const upload = randomBytes(300 * 1024);
    const post = (await (await fetch(`http://127.0.0.1:${web.port}/upload`, { method: 'POST', body: upload })).json()) as { sha: string };
    assert.equal(post.sha, sha256(upload));
  });

  test('50 parallel streams, each echoed intact', T, async () => {
    const before = relay().streamsOpened;
    const payloads = Array.from({ length: 50 }, () => randomBytes(128 * 1024));
    const echoed = await Promise.all(payloads.map((p) => exchange(echo.port, p)));
    echoed.forEach((got, i) => assert.equal(sha256(got), sha256(payloads[i]!), `stream ${i}`));
    assert.ok(relay().streamsOpened - before >= 50);
  });

  test('100 MB up and 100 MB back through the relay, checked by hash', T, async () => {
    const data = randomBytes(100 * 1024 * 1024);
    const got = await exchange(echo.port, data);
    assert.equal(got.length, data.length);
    assert.equal(sha256(got), sha256(data));
    assert.ok(relay().inFlightHighWater <= WINDOW, `in flight ${relay().inFlightHighWater}`);
  });

  test('a slow reader: the writer is held back, no stream holds more than the window anywhere, memory stays flat', T, async () => {
    const data = randomBytes(64 * 1024 * 1024);
    let writer: { readonly handedOff: number } | undefined;
    // Sends only to a client that asks (the host agent's port checks and game probe connect too).
    const source = await localServer((s) => {
      s.on('error', () => {});
      s.once('data', (d: Buffer) => {
        if (d.toString() !== 'GO') return void s.destroy();
        writer = writeInChunks(s, data);
      });
    });
    cleanups.push(() => source.close());
    await pc1.ok('run', '--grid', 'lan', '--name', 'source', '--port', String(source.port), '--', 'sleep', '600');
    const src = await gridConnect(pc2, 'source');
    cleanups.push(() => src.stop());
    const [s1, s2] = [await pc1.status(), await pc2.status()];
    const rssBefore = [await rssOf(s1.agent.pid), await rssOf(s2.agent.pid)];

    const reader = await openSocket(src.port);
    reader.write('GO');
    const got: Buffer[] = [];
    let slow = true;
    reader.on('data', (d: Buffer) => {
      got.push(d);
      if (!slow) return;
      reader.pause(); // about 64 KiB per 25 ms: a reader far slower than the writer
      setTimeout(() => reader.resume(), 25);
    });
    // The window starts once the source writes (a slow machine may take long to get the GO there).
    await waitUntil(() => writer !== undefined, 'the source to start writing');
    await new Promise((r) => setTimeout(r, 2_500));
    const readSoFar = got.reduce((n, b) => n + b.length, 0);
    // Only the kernel's socket buffers at either end of the tunnel, and the windows, may take data the reader has not read.
    const held = data.length - writer!.handedOff;
    assert.ok(held > 32 * 1024 * 1024, `the writer is held back (${held} bytes still its own; the reader took ${readSoFar})`);

    const [h1, h2] = [(await pc1.status()).link!, (await pc2.status()).link!];
    const rssDuring = [await rssOf(s1.agent.pid), await rssOf(s2.agent.pid)];
    assert.ok(relay().inFlightHighWater <= WINDOW, `coordinator: in flight ${relay().inFlightHighWater}`);
    for (const h of [h1, h2]) {
      assert.ok(h.receiveBufferedHighWater <= WINDOW, `agent: received but unwritten ${h.receiveBufferedHighWater}`);
      assert.ok(h.sendPendingHighWater <= 64 * 1024, `agent: read but unsent ${h.sendPendingHighWater}`);
    }
    rssDuring.forEach((rss, i) => assert.ok(rss - rssBefore[i]! < 48 * 1024 * 1024, `agent ${i + 1} RSS grew ${rss - rssBefore[i]!} bytes while 64 MiB waited`));

    slow = false;
    reader.resume();
    await new Promise((r) => reader.on('end', r));
    assert.equal(sha256(got), sha256(data), 'and every byte arrives, in order');
  });

  test("the host's agent is killed mid-stream: the guest's connection is reset (not ended); once it is back, connecting works again", T, async () => {
    // A source that never ends by itself: only the kill can end this transfer (a finite one could
    // finish while the test is still looking up the agent's pid, and end cleanly).
    const firehose = await localServer((s) => {
      s.on('error', () => {});
      s.once('data', (d: Buffer) => {
        if (d.toString() !== 'GO') return void s.destroy();
        const chunk = randomBytes(64 * 1024);
        const pump = () => {
          while (!s.destroyed && s.write(chunk));
        };
        s.on('drain', pump);
        pump();
      });
    });
    cleanups.push(() => firehose.close());
    await pc1.ok('run', '--grid', 'lan', '--name', 'firehose', '--port', String(firehose.port), '--', 'sleep', '600');
    const src = await gridConnect(pc2, 'firehose');
    cleanups.push(() => src.stop());
    const reader = await openSocket(src.port);
    reader.write('GO');
    let received = 0;
    reader.on('data', (d: Buffer) => (received += d.length));
    // How the reader's connection ends is recorded from now on; the time limit starts only once the agent is dead.
    const ended = ending(reader);
    let restarted = false;
    try {
      await waitUntil(() => received > 1024 * 1024, 'data flowing');
      await pc1.killAgent();
      assert.equal(await within(ended, 15_000), 'ECONNRESET', 'an aborted transfer is an error for the client, never a clean end');
      assert.equal(src.child.exitCode, null, '`grid connect` keeps listening');
      await assert.rejects(exchange(echo.port, 'while the host is down'), 'refused while the host is away');
      await waitUntil(() => echo.events.some((e) => e.type === 'refused' && e.code === 'host_unreachable'), 'the refusal to be reported');

      await pc1.ok('agent'); // back, in the background
      restarted = true;
      await waitUntil(async () => (await exchange(echo.port, 'back').catch(() => Buffer.alloc(0))).toString() === 'back', 'connecting to work again', 30_000);
    } finally {
      reader.destroy();
      // The tests after this one need their host, also when an assertion above failed.
      if (!restarted) await pc1.ok('agent').catch(() => {});
    }
  });

  test('a non-member is refused: the CLI finds no such process, and the coordinator refuses a raw open', T, async () => {
    const r = await pc3.gridAsync('connect', echoId);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no process called/);
    const link = await rawLink(pc3);
    assert.equal(failCode((await link.open(echoId)).reply), 'process_not_found');
  });

  test('a guest cannot reach a port the process did not declare', T, async () => {
    const r = await pc2.gridAsync('connect', 'echo', '--port', '22');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /declares port \d+; --port 22 is not one of them/);
    const link = await rawLink(pc2);
    assert.equal(failCode((await link.open(echoId, 22)).reply), 'port_not_declared');
    assert.equal(failCode((await link.open(echoId, 8080)).reply), 'port_not_declared');
  });

  test('the host lists connections with bytes, closes them, and refuses them for a --private process', T, async () => {
    const hold = await openSocket(echo.port);
    hold.write('x');
    await new Promise((r) => hold.once('data', r));
    const list = await pc1.json<LocalConnectionsResponse>('connections', 'echo');
    const bob = list.connections.filter((c) => c.connection.username.startsWith('bob'));
    assert.ok(bob.length >= 50, 'every stream is recorded');
    assert.ok(bob.some((c) => c.connection.closedAt === null), 'the open one is listed as open');
    const big = bob.find((c) => c.connection.bytesIn === 100 * 1024 * 1024);
    assert.ok(big && big.connection.bytesOut === 100 * 1024 * 1024 && big.connection.closeReason === 'closed', 'the 100 MB one, with its bytes each way');
    assert.match(await pc1.ok('connections', '--open'), /echo\s+bob\d+@pc2\s+\d+\s+.*open/);

    const ended = ending(hold);
    const res = await pc1.json<{ closed: number }>('disconnect', 'echo');
    assert.ok(res.closed >= 1);
    assert.equal(await within(ended, 15_000), 'ECONNRESET');

    const port = await freePort();
    await pc1.ok('run', '--grid', 'lan', '--name', 'secret', '--private', '--port', String(port), '--', 'sleep', '600');
    const r = await pc2.gridAsync('connect', 'secret');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /private/);
    assert.match(await pc2.ok('ps'), /secret\s+online.*private/);
  });

  test('grid private on closes the open connections and refuses new ones; off accepts them again', T, async () => {
    const hold = await openSocket(echo.port);
    hold.write('x');
    await new Promise((r) => hold.once('data', r));
    const ended = ending(hold);
    let off = false;
    try {
      assert.match(await pc1.ok('private', 'echo'), /echo is private/);
      assert.equal(await within(ended, 15_000), 'ECONNRESET', 'the open connection is closed');
      const refused = await pc2.gridAsync('connect', 'echo', '--local-port', '0');
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /private/);
      assert.match(await pc2.ok('ps'), /echo\s+online.*private/);
      assert.equal((await pc1.json<LocalProcessResponse>('private', 'echo', 'off')).process.spec.private, false);
      off = true;
      assert.equal((await exchange(echo.port, 'again')).toString(), 'again');
      const bad = await pc1.gridAsync('private', 'echo', 'maybe');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /maybe.*(on, off|choices)/i);
    } finally {
      hold.destroy();
      // The tests after this one connect to echo: never leave it private, also when an assertion above failed.
      if (!off) await pc1.ok('private', 'echo', 'off').catch(() => {});
    }
  });

  test('game-aware health: a Minecraft server is pinged and its players shown; one that does not answer is still online', T, async () => {
    const fake = await startFakeMinecraft();
    cleanups.push(() => fake.close());
    await pc1.ok('run', '--grid', 'lan', '--name', 'survival', '--kind', 'minecraft', '--port', String(fake.port), '--', 'sleep', '600');
    const deadPort = await freePort();
    await pc1.ok('run', '--grid', 'lan', '--name', 'broken', '--kind', 'minecraft', '--port', String(deadPort), '--', 'sleep', '600');
    const row = await waitUntilValue(async () => (await pc2.ps()).processes.find((r) => r.process.name === 'survival' && r.process.health?.minecraft?.reachable));
    const mc = row.process.health!.minecraft!;
    assert.deepEqual([mc.version, mc.playersOnline, mc.playersMax, mc.sample, mc.motd], ['1.21.4', 2, 20, ['Steve', 'Alex'], 'A fake server']);
    assert.ok(typeof mc.latencyMs === 'number');
    assert.match(await pc2.ok('ps'), /survival\s+online.*minecraft 1\.21\.4, players 2\/20 \(Steve, Alex\)/);
    const broken = await waitUntilValue(async () => (await pc2.ps()).processes.find((r) => r.process.name === 'broken' && r.process.health?.minecraft));
    assert.equal(broken.process.status, 'online');
    assert.equal(broken.process.health!.minecraft!.reachable, false);
    assert.match(broken.process.health!.minecraft!.error ?? '', /nothing listens/);
  });

  test('a member who is removed loses their open streams at once, and new ones are refused', T, async () => {
    // The slow steps first (a CLI run), so that the time limit below covers the removal alone.
    const bob = await pc2.json<WhoAmI>('whoami');
    const alice = new GridClient({ baseUrl: t.url, token: await token(pc1) });
    const hold = await openSocket(echo.port);
    hold.write('still here?');
    await new Promise((r) => hold.once('data', r));
    const ended = ending(hold);
    await alice.removeMember(gridId, bob.user.id);
    // At once: nothing else would end it (the idle timeout is half an hour); the limit only keeps a failure short.
    assert.equal(await within(ended, 15_000), 'ECONNRESET');
    await assert.rejects(exchange(echo.port, 'let me in'));
    await waitUntil(() => echo.events.some((e) => e.type === 'refused' && e.code === 'process_not_found'), 'the refusal to be reported');
  });

  test('SIGTERM stops the agent while a grid connect is open: it exits, and the connect session ends instead of holding it up', T, async () => {
    const { agent } = await pc2.status();
    assert.equal(echo.child.exitCode, null, 'the connect session is open');
    const connectEnded = new Promise<number | null>((resolve) => echo.child.once('exit', (code) => resolve(code)));
    process.kill(agent.pid, 'SIGTERM');
    await waitUntil(() => !isAlive(agent.pid), 'the agent to exit');
    assert.notEqual(await connectEnded, 0, 'the session ends as a failure: it can no longer connect anyone');
    assert.ok(echo.events.some((e) => e.type === 'agent_stopped'), 'and says why');
  });
});
