import { API_PREFIX, GridClient } from '@gridshare/protocol';
import { randomBytes } from 'node:crypto';
import type { Target } from './load.js';

export interface FixtureOptions {
  devices: number;
  processesPerDevice: number;
  devicesPerUser: number;
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Simulated devices through the real API: each user signs up (its first
 * device) and creates a grid; its other devices are logins, each with its own
 * token; every device registers its processes in its user's grid.
 */
export async function createFixtures(baseUrl: string, o: FixtureOptions): Promise<Target[]> {
  const anon = new GridClient({ baseUrl });
  const password = 'correct horse battery staple';
  const users = Math.ceil(o.devices / o.devicesPerUser);
  const run = randomBytes(3).toString('hex');

  // Passwords are scrypt-hashed on the server (libuv's 4 threads): a few at a time.
  const owners = await pool(
    Array.from({ length: users }, (_, u) => u),
    4,
    async (u) => {
      const username = `bench_${run}_${u}`;
      const auth = await anon.signup({ username, password, deviceName: `device-${u}-0` });
      const client = anon.withToken(auth.token);
      const { grid } = await client.createGrid({ name: `bench grid ${u}` });
      return { username, gridId: grid.id, first: { token: auth.token, client } };
    },
  );
  const devices = await pool(
    Array.from({ length: o.devices }, (_, d) => d),
    4,
    async (d) => {
      const owner = owners[Math.floor(d / o.devicesPerUser)]!;
      const k = d % o.devicesPerUser;
      if (k === 0) return { gridId: owner.gridId, ...owner.first };
      const auth = await anon.login({ username: owner.username, password, deviceName: `device-${d}-${k}` });
      return { gridId: owner.gridId, token: auth.token, client: anon.withToken(auth.token) };
    },
  );

  const jobs = devices.flatMap((dev, d) => Array.from({ length: o.processesPerDevice }, (_, p) => ({ dev, d, p })));
  const registered = await pool(jobs, 16, async ({ dev, d, p }) => {
    const { process } = await dev.client.registerProcess(dev.gridId, {
      name: `worker ${d}.${p}`,
      kind: 'generic',
      command: `node worker.js --shard ${p}`,
      ports: [{ port: 20_000 + p, protocol: 'tcp' }],
    });
    return { d, p, target: {
      processId: process.id,
      path: `${API_PREFIX}/grids/${process.gridId}/processes/${process.id}/heartbeat`,
      authorization: `Bearer ${dev.token}`,
    } satisfies Target };
  });
  // Interleave devices (p-major order), so neighbouring slots of the load generator are different devices.
  return registered.sort((a, b) => a.p - b.p || a.d - b.d).map((r) => r.target);
}
