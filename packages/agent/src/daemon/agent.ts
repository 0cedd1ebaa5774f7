import {
  type AgentStatus,
  type ConnectEvent,
  type LocalConnectionsResponse,
  GridClient,
  type LocalProcess,
  type LoginRequest,
  type ProcessSelector,
  type PsResponse,
  type RunRequest,
  type ShareRequest,
  type WhoAmI,
} from '@gridshare/protocol';
import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, rm, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.js';
import { AgentError, fromApiError } from '../errors.js';
import { StateStore } from '../state/state-store.js';
import { findListeningPids, GroupSampler, isSameProcess, readProcStat } from '../supervisor/procfs.js';
import { pickByRef, resolveGrid } from './grid-resolver.js';
import { ManagedProcess } from './managed-process.js';
import { exitFilePath, outLogPath, rotateIfLarge } from '../supervisor/process-runner.js';
import { Session } from './session.js';
import { ConnectSession, resolveConnectTarget } from '../tunnel/connect-session.js';
import { CoordinatorLink } from '../tunnel/coordinator-link.js';
import { closeConnections, listConnections } from '../tunnel/host-connections.js';
import { dialForHost } from '../tunnel/host-dialer.js';

export const AGENT_VERSION = '0.1.0';
/** How often output logs are checked against their size limit. */
const LOG_CHECK_MS = 2_000;
/** How many stopped, exited or errored processes the state file keeps. */
const KEEP_FINISHED = 25;

/** The daemon's heart: the processes of this PC, their state file, and the session with the coordinator. */
export class Agent {
  readonly session: Session;
  /** The one WebSocket to the coordinator while logged in: tunnels (as guest and as host). */
  readonly link: CoordinatorLink;
  private readonly store: StateStore;
  private readonly processes = new Map<string, ManagedProcess>();
  private readonly sampler = new GroupSampler();
  private readonly startedAt = new Date().toISOString();
  private rotation: NodeJS.Timeout | undefined;

  constructor(
    readonly config: AgentConfig,
    private readonly log: Logger,
  ) {
    this.session = new Session(config.paths);
    this.store = new StateStore(config.paths.state);
    this.link = new CoordinatorLink(this.session, AGENT_VERSION, log, (link, req) => dialForHost(link, req, (id) => this.processes.get(id), log));
  }

  /** Loads the session and state, then resumes: live processes are adopted, dead ones reported. */
  async start(): Promise<void> {
    await mkdir(this.config.paths.logsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.config.paths.exitsDir, { recursive: true, mode: 0o700 });
    await this.session.load();
    this.link.start();
    const state = await this.store.load();
    for (const record of state.processes) this.processes.set(record.id, this.managed(record));
    await this.resume();
    this.rotation = setInterval(() => void this.rotateLogs(), LOG_CHECK_MS);
    this.rotation.unref();
  }

  /** Output logs rotate at logMaxBytes (copytruncate: the process keeps writing to the same file). */
  async rotateLogs(): Promise<void> {
    await rotateIfLarge(this.config.paths.agentLog, this.config.logMaxBytes);
    for (const mp of this.processes.values()) {
      if (mp.live && (await rotateIfLarge(outLogPath(this.config.paths.logsDir, mp.id), this.config.logMaxBytes))) {
        this.log.info({ processId: mp.id }, `log of ${mp.record.name} rotated`);
      }
    }
  }

  private async resume(): Promise<void> {
    this.log.info('🔄 Resuming heartbeats for all running processes...');
    for (const mp of this.processes.values()) {
      const rt = mp.record.runtime;
      if (rt.state === 'backoff') {
        await mp.start().catch((err: unknown) => this.log.error({ processId: mp.id, err: (err as Error).message }, 'restart failed'));
        continue;
      }
      if (rt.state !== 'running') continue;
      if (rt.pid !== null && rt.startTimeTicks !== null && (await isSameProcess(rt.pid, rt.startTimeTicks))) {
        await mp.attach(true);
      } else {
        await mp.reportDeadOnResume();
      }
    }
    await this.save();
    this.log.info('✅ Heartbeat resumption complete');
  }

  /** The agent stops; its processes keep running (their heartbeats resume with the next agent). */
  async stop(): Promise<void> {
    clearInterval(this.rotation);
    this.link.stop();
    await Promise.all([...this.processes.values()].map((p) => p.detach()));
    await this.save();
  }

  // ---- session -------------------------------------------------------------------------------

  async login(req: LoginRequest): Promise<WhoAmI> {
    const server = normalizeServer(req.server);
    const anon = new GridClient({ baseUrl: server });
    const creds = { username: req.username, password: req.password, deviceName: req.deviceName };
    let res;
    try {
      res = req.signup ? await anon.signup(creds) : await anon.login(creds);
    } catch (err) {
      throw fromApiError(err);
    }
    await this.session.save({ server, user: res.user, device: res.device }, res.token);
    this.link.restart();
    this.log.info({ server, user: res.user.username, device: res.device.name }, `logged in as ${res.user.username}`);
    // Heartbeats that stopped on a refused token start again.
    for (const mp of this.processes.values()) if (mp.live && mp.record.runtime.message?.includes('grid login')) await mp.attach(false);
    return { server, user: res.user, device: res.device };
  }

  async logout(): Promise<void> {
    const c = this.session.client();
    if (c) await c.logout().catch(() => {});
    this.link.stop();
    await this.session.clear();
  }

  whoami(): WhoAmI {
    if (!this.session.info) throw new AgentError('not_logged_in', 'not logged in; run `grid login --server URL`');
    return this.session.info;
  }

  client(): GridClient {
    const c = this.session.client();
    if (!c) throw new AgentError('not_logged_in', 'not logged in; run `grid login --server URL`');
    return c;
  }

  // ---- processes -----------------------------------------------------------------------------

  async run(req: RunRequest): Promise<LocalProcess> {
    const grid = await resolveGrid(this.client(), req.grid);
    this.refuseDuplicate(grid.id, req.name);
    if (!(await isDirectory(req.cwd))) throw new AgentError('validation_failed', `--cwd ${req.cwd} is not a directory`);
    await assertExecutable(req.command[0]!, req.cwd, { ...process.env, ...req.env }.PATH ?? '');
    const record: LocalProcess = {
      id: randomUUID(),
      gridId: grid.id,
      name: req.name.trim(),
      kind: req.kind ?? 'generic',
      spec: { command: req.command, cwd: req.cwd, env: req.env, ports: req.ports.map((port) => ({ port, protocol: 'tcp' })), restart: req.restart, mode: 'run', private: req.private ?? false },
      runtime: emptyRuntime(),
    };
    const mp = this.managed(record);
    this.processes.set(record.id, mp);
    try {
      await mp.start();
    } catch (err) {
      this.processes.delete(record.id);
      await this.save();
      throw new AgentError('spawn_failed', `could not start ${req.command[0]}: ${(err as Error).message}`);
    }
    return mp.record;
  }

  async share(req: ShareRequest): Promise<LocalProcess> {
    const grid = await resolveGrid(this.client(), req.grid);
    this.refuseDuplicate(grid.id, req.name);
    const pids = await findListeningPids(req.port);
    if (pids.length === 0) throw new AgentError('port_not_listening', `nothing is listening on port ${req.port} on this PC`);
    // Several pids share a listening socket after fork (pre-fork servers): the oldest is the parent.
    const stats = (await Promise.all(pids.map((p) => readProcStat(p)))).filter((s) => s !== null);
    const main = stats.sort((a, b) => a.startTimeTicks - b.startTimeTicks)[0];
    if (!main) throw new AgentError('port_not_listening', `the process listening on port ${req.port} went away`);
    const record: LocalProcess = {
      id: randomUUID(),
      gridId: grid.id,
      name: req.name.trim(),
      kind: req.kind ?? 'generic',
      spec: { command: [], cwd: '/', env: {}, ports: [{ port: req.port, protocol: 'tcp' }], restart: 'never', mode: 'share', private: req.private ?? false },
      runtime: { ...emptyRuntime(), state: 'running', pid: main.pid, startTimeTicks: main.startTimeTicks, startedAt: new Date().toISOString() },
    };
    const mp = this.managed(record);
    this.processes.set(record.id, mp);
    await this.save();
    await mp.attach(false);
    return mp.record;
  }

  async stopProcess(sel: ProcessSelector): Promise<LocalProcess> {
    const mp = await this.select(sel, true);
    await mp.stop();
    return mp.record;
  }

  async setPrivate(sel: ProcessSelector, value: boolean): Promise<LocalProcess> {
    const mp = await this.select(sel, true);
    try {
      await mp.setPrivate(value);
    } catch (err) {
      throw fromApiError(err);
    }
    return mp.record;
  }

  async restartProcess(sel: ProcessSelector): Promise<LocalProcess> {
    const mp = await this.select(sel, false);
    if (mp.record.spec.mode === 'share') throw new AgentError('validation_failed', `'${mp.record.name}' is shared, not run by the agent: restart it yourself`);
    await mp.restart();
    return mp.record;
  }

  /** A process of this PC by id or unambiguous name (live ones first). */
  async select(sel: ProcessSelector, liveOnly: boolean): Promise<ManagedProcess> {
    let candidates = [...this.processes.values()];
    if (sel.grid) {
      const grid = await resolveGrid(this.client(), sel.grid);
      candidates = candidates.filter((p) => p.record.gridId === grid.id);
    }
    const live = candidates.filter((p) => p.live);
    const pool = liveOnly || live.some((p) => p.id === sel.process || p.record.name.toLowerCase() === sel.process.toLowerCase()) ? live : candidates;
    const found = pickByRef(pool.map((p) => ({ id: p.id, name: p.record.name, mp: p })), sel.process, 'running process');
    return found.mp;
  }

  async ps(gridRef: string | undefined, all: boolean): Promise<PsResponse> {
    const client = this.client();
    try {
      const grids = gridRef ? [await resolveGrid(client, gridRef)] : (await client.listGrids()).grids;
      const lists = await Promise.all(grids.map((g) => client.listProcesses(g.id).then((r) => ({ g, r }))));
      const rows = lists.flatMap(({ g, r }) =>
        r.processes
          .filter((p) => all || p.status !== 'stopped')
          .map((p) => ({ process: p, gridName: g.name, local: this.processes.get(p.id)?.record ?? null })),
      );
      return { processes: rows };
    } catch (err) {
      throw fromApiError(err);
    }
  }

  status(): AgentStatus {
    return {
      agent: { pid: process.pid, version: AGENT_VERSION, startedAt: this.startedAt, home: this.config.paths.home },
      session: this.session.info,
      processes: [...this.processes.values()].map((p) => p.record),
      link: this.link.status(),
    };
  }

  // ---- tunnels -------------------------------------------------------------------------------

  /** `grid connect`: a local listener whose connections reach a process of my grids through the relay. */
  async connect(sel: ProcessSelector, localPort: number | undefined, port: number | undefined, emit: (e: ConnectEvent) => void): Promise<ConnectSession> {
    const target = await resolveConnectTarget(this.client(), sel.process, sel.grid, port);
    return ConnectSession.open(this.link, target, localPort, emit, this.log);
  }

  /** `grid connections`: who connected to the processes of this PC (or one of them). */
  async connections(sel: ProcessSelector | null, openOnly: boolean): Promise<LocalConnectionsResponse> {
    const mps = sel ? [await this.select(sel, false)] : [...this.processes.values()];
    return listConnections(this.client(), mps.map((mp) => mp.record), openOnly, sel !== null);
  }

  /** `grid disconnect`: closes one connection to a process of this PC, or all of them. */
  async disconnect(sel: ProcessSelector, connectionId: string | undefined): Promise<{ closed: number }> {
    return closeConnections(this.client(), (await this.select(sel, false)).record, connectionId);
  }

  private refuseDuplicate(gridId: string, name: string): void {
    const clash = [...this.processes.values()].find((p) => p.live && p.record.gridId === gridId && p.record.name.toLowerCase() === name.trim().toLowerCase());
    if (clash) throw new AgentError('already_running', `'${name}' is already running in that grid (id ${clash.id}); stop it first or pick another --name`);
  }

  private managed(record: LocalProcess): ManagedProcess {
    return new ManagedProcess(record, {
      config: this.config,
      client: () => this.session.client(),
      log: this.log,
      sampler: this.sampler,
      save: () => this.save(),
    });
  }

  private save(): Promise<void> {
    this.prune();
    return this.store.save({ version: 1, processes: [...this.processes.values()].map((p) => p.record) });
  }

  /** Finished processes are kept for `grid status`/`grid logs` — the newest KEEP_FINISHED of them. */
  private prune(): void {
    const finished = [...this.processes.values()].filter((p) => !p.live);
    if (finished.length <= KEEP_FINISHED) return;
    const when = (p: ManagedProcess) => Date.parse(p.record.runtime.lastExit?.at ?? p.record.runtime.startedAt ?? '') || 0;
    for (const old of finished.sort((a, b) => when(b) - when(a)).slice(KEEP_FINISHED)) {
      this.processes.delete(old.id);
      void rm(outLogPath(this.config.paths.logsDir, old.id), { force: true });
      void rm(`${outLogPath(this.config.paths.logsDir, old.id)}.1`, { force: true });
      void rm(exitFilePath(this.config.paths.exitsDir, old.id), { force: true });
    }
  }
}

function emptyRuntime(): LocalProcess['runtime'] {
  return { state: 'stopped', pid: null, startTimeTicks: null, startedAt: null, restarts: 0, fastCrashes: 0, lastExit: null, heartbeatsSent: 0, lastHeartbeat: null, message: null };
}

export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new AgentError('validation_failed', `--server ${raw} is not a URL (for example http://coordinator.example:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AgentError('validation_failed', `--server must be http:// or https:// (got ${raw})`);
  return url.origin;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** Fails early with a clear message instead of a process that dies with "not found". */
async function assertExecutable(cmd: string, cwd: string, path: string): Promise<void> {
  const candidates = cmd.includes('/') ? [isAbsolute(cmd) ? cmd : join(cwd, cmd)] : path.split(delimiter).filter(Boolean).map((d) => join(d, cmd));
  for (const c of candidates) {
    if (await access(c, constants.X_OK).then(() => true, () => false)) return;
  }
  throw new AgentError('spawn_failed', `command not found or not executable: ${cmd}`);
}
