/**
 * One server under test, in its own process so the load generator does not
 * share its event loop. Spawned by bench/heartbeat/benchmark.ts with the spec
 * in BENCH_SERVER; talks to the parent over the IPC channel (see ipc.ts).
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createCoordinator, createLogger } from '../../packages/coordinator/src/app.js';
import { loadConfig } from '../../packages/coordinator/src/config.js';
import type { Database } from '../../packages/coordinator/src/store/database.js';
import { openDatabase } from '../../packages/coordinator/src/store/open.js';
import { applyPatches, patchEnv } from './ablations.js';
import { createCeilingServer } from './ceiling.js';
import type { FromServer, ServerSpec, ToServer, Usage } from './ipc.js';
import { createNaiveServer } from './naive.js';

function send(msg: FromServer): void {
  process.send?.(msg);
}

function usage(): Usage {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return { userUs: cpu.user, systemUs: cpu.system, idleMs: elu.idle, activeMs: elu.active };
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('server.ts runs as a child of the benchmark (it needs an IPC channel)');
  const spec = JSON.parse(process.env.BENCH_SERVER ?? '') as ServerSpec;
  // Production defaults (flush every 250 ms, 30 s heartbeats, info logging) except where and how to listen.
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    GRID_DATA_DIR: spec.dataDir,
    DATABASE_URL: spec.databaseUrl,
    GRID_AUTH_RATE_LIMIT: '1000000',
    // The API only: no web app at / (a directory that does not exist means none is served).
    GRID_WEB_ROOT: join(tmpdir(), 'gridshare-bench-no-web-app'),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    ...patchEnv(spec.patches ?? []),
  });
  const log = createLogger(config);

  let db: Database | undefined;
  let url: string;
  let close: () => Promise<void>;
  if (spec.design === 'ceiling') {
    const server: Server = createCeilingServer({
      status: 'online',
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      staleAfterMs: config.staleAfterMs,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  } else {
    const opened = await openDatabase(config, log);
    db = opened;
    if (spec.vacuum) await opened.exec('VACUUM ANALYZE');
    if (spec.design === 'ours') {
      const coordinator = await createCoordinator(config, opened, { logger: log });
      applyPatches(coordinator, log, spec.patches ?? []);
      url = (await coordinator.listen()).replace('localhost', '127.0.0.1');
      close = () => coordinator.close();
    } else {
      const app = await createNaiveServer(config, opened, log);
      await app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      close = async () => {
        await app.close();
        await opened.close();
      };
    }
  }

  let session: Session | undefined;
  process.on('message', (raw) => {
    const msg = raw as ToServer;
    if (msg.type === 'stop') {
      // Bounded: a close that hangs must not keep the benchmark waiting.
      setTimeout(() => process.exit(3), 10_000).unref();
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`bench server: close failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
      return;
    }
    const reply = (body: Omit<Extract<FromServer, { type: 'reply' }>, 'type' | 'id'>) => send({ type: 'reply', id: msg.id, ...body });
    const fail = (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) });
    switch (msg.type) {
      case 'query':
        if (!db) return fail(new Error('this server has no database'));
        db.query(msg.sql, msg.params).then((rows) => reply({ rows }), fail);
        return;
      case 'usage':
        return reply({ usage: usage() });
      case 'profile-start':
        session = new Session();
        session.connect();
        session
          .post('Profiler.enable')
          .then(() => session!.post('Profiler.setSamplingInterval', { interval: 200 }))
          .then(() => session!.post('Profiler.start'))
          .then(() => reply({}), fail);
        return;
      case 'profile-stop':
        if (!session) return fail(new Error('no profile was started'));
        session
          .post('Profiler.stop')
          .then(({ profile }) => writeFile(msg.path, JSON.stringify(profile)))
          .then(() => {
            session?.disconnect();
            session = undefined;
            reply({});
          }, fail);
        return;
    }
  });
  // The parent went away: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url });
}

main().catch((err: unknown) => {
  send({ type: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
