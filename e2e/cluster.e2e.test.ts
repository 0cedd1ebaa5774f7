import type { LocalProcessResponse } from '@gridshare/protocol';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeOn } from '../packages/coordinator/src/testing/engines.js';
import { startTestCoordinator, type TestCoordinator } from '../packages/coordinator/src/testing/harness.js';
import { freePort, Pc, waitUntil } from './agent-harness.js';
import { type Connected, exchange, gridConnect, robustEchoCommand } from './tunnel-harness.js';

/**
 * Two coordinators on one PostgreSQL, as behind a load balancer, and two PCs
 * each talking to a different one: what one shares, the other sees and
 * reaches with `grid connect`, across the coordinators.
 */
describeOn('postgres', 'two coordinators, one PC on each', () => {
  let one: TestCoordinator;
  let two: TestCoordinator;
  let host: Pc;
  let guest: Pc;
  let tunnel: Connected | undefined;
  let port: number;

  before(async () => {
    const env = { GRID_HEARTBEAT_INTERVAL_MS: '500', GRID_STALE_AFTER_MS: '10000' };
    one = await startTestCoordinator('postgres', env);
    two = await startTestCoordinator('postgres', env, one.testDb);
    [host, guest] = await Promise.all([Pc.create('host'), Pc.create('guest')]);
    await host.ok('signup', '--server', two.url, '--username', `alice${process.pid}`, '--device-name', 'pc1');
    await guest.ok('signup', '--server', one.url, '--username', `bob${process.pid}`, '--device-name', 'pc2');
    await host.ok('grids', 'create', 'lan');
    const { invite } = await host.json<{ invite: { code: string } }>('invite', 'lan', '--uses', '1');
    await guest.ok('join', invite.code);
  });
  after(async () => {
    await tunnel?.stop();
    await Promise.all([host?.destroy(), guest?.destroy()]);
    await two?.coordinator.close();
    await two?.db.close();
    await one?.close();
  });

  test('a process run on the PC of coordinator two is seen online, with the host device online, from coordinator one', async () => {
    port = await freePort();
    await host.json<LocalProcessResponse>('run', '--grid', 'lan', '--name', 'echo', '--port', String(port), '--', ...robustEchoCommand(port));
    await waitUntil(async () => /echo\s+online/.test(await guest.ok('ps')), "echo online in the guest's grid ps");
    await waitUntil(async () => /alice\d+\s+owner\s+\S+\s+pc1/.test(await guest.ok('members', 'lan')), 'pc1 online in the guest’s members');
  });

  test('grid connect on the PC of coordinator one reaches it through both coordinators', async () => {
    await waitUntil(async () => (await host.status()).link?.state === 'connected' && (await guest.status()).link?.state === 'connected', 'both agent links');
    await waitUntil(async () => (await exchange(port, 'up').catch(() => Buffer.alloc(0))).toString() === 'up', 'the echo server');
    tunnel = await gridConnect(guest, 'echo', '--local-port', '0');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    assert.equal((await exchange(tunnel.port, 'hello across')).toString(), 'hello across');
    assert.ok((await exchange(tunnel.port, big)).equals(big), '3 MiB echoed intact, more than one window');
    const list = await host.ok('connections', 'echo');
    assert.match(list, /echo\s+bob\d+@pc2/);
  });
});
