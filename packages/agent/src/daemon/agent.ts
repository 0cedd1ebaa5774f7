import {
  ApiError,
  type AgentStatus,
  type ConnectEvent,
  type LocalConnectionsResponse,
  GridClient,
  type LocalProcess,
  type LoginRequest,
  type LogoutResponse,
  type ProcessSelector,
  type PsResponse,
  type RunRequest,
  type ShareRequest,
  type WhoAmI,
  type WhoAmIResponse,
} from '@gridshare/protocol';
import { mkdir, rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.js';
import { AgentError, fromApiError } from '../errors.js';
import { StateStore } from '../state/state-store.js';
import { GroupSampler, isSameProcess } from '../supervisor/procfs.js';
import { resolveGrid } from './grid-resolver.js';
import { HEARTBEATS_NEED_LOGIN, ManagedProcess } from './managed-process.js';
import { pickProcess, type Want } from './process-resolver.js';
import { checkRunnable, listeningProcess, runRecord, shareRecord } from './process-records.js';
import { exitFilePath, outLogPath, rotateIfLarge } from '../supervisor/process-runner.js';
import { normalizeServer, Session } from './session.js';
import { ConnectSession, resolveConnectTarget } from '../tunnel/connect-session.js';
import { CoordinatorLink } from '../tunnel/coordinator-link.js';
import { closeConnections, listConnections } from '../tunnel/host-connections.js';
import { dialForHost } from '../tunnel/host-dialer.js';

export const AGENT_VERSION = '0.1.0';
/** How often output logs are checked against their size limit. */
const LOG_CHECK_MS = 2_000;
/** How long `grid whoami` waits for the coordinator before saying it could not check. */
const IDENTITY_CHECK_MS = 5_000;
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
    this.session = new Session(config.paths, config.requestTimeoutMs);
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
    const anon = new GridClient({ baseUrl: server, timeoutMs: this.config.requestTimeoutMs });
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
    for (const mp of this.processes.values()) if (mp.live && mp.record.runtime.message === HEARTBEATS_NEED_LOGIN) await mp.attach(false);
    return { server, user: res.user, device: res.device };
  }

  /** Idempotent: logging out when logged out changes nothing (an unreadable config.json is removed). */
  async logout(): Promise<LogoutResponse> {
    const wasLoggedIn = this.session.loggedIn;
    const c = this.session.client();
    if (c) await c.logout().catch(() => {});
    this.link.stop();
    await this.session.clear();
    return { wasLoggedIn };
  }

  whoami(): WhoAmI {
    if (!this.session.info) throw this.notLoggedIn();
    return this.session.info;
  }

  /** `grid whoami`: the saved identity, as the coordinator sees it now. A refused token is an error; no answer is not. */
  async identity(): Promise<WhoAmIResponse> {
    const saved = this.whoami();
    const c = this.client();
    const quick = c.withTimeout(IDENTITY_CHECK_MS);
    try {
      const me = await quick.me();
      return { server: saved.server, user: me.user, device: me.device, coordinator: 'verified' };
    } catch (err) {
      const e = fromApiError(err);
      if (err instanceof ApiError && (err.retryable || err.code === 'bad_response')) {
        return { ...saved, coordinator: 'unreachable', coordinatorError: (e as Error).message };
      }
      throw e;
    }
  }

  client(): GridClient {
    const c = this.session.client();
    if (!c) throw this.notLoggedIn();
    return c;
  }

  private notLoggedIn(): AgentError {
    const problem = this.session.problem;
    return problem ? new AgentError('config_invalid', problem) : new AgentError('not_logged_in', 'not logged in; run `grid login --server URL`');
  }

  // ---- processes -----------------------------------------------------------------------------

  async run(req: RunRequest): Promise<LocalProcess> {
    const grid = await resolveGrid(this.client(), req.grid);
    this.refuseDuplicate(grid.id, req.name);
    await checkRunnable(req, this.config.childEnv);
    const record = runRecord(req, grid.id);
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
    const record = shareRecord(req, grid.id, await listeningProcess(req.port));
    const mp = this.managed(record);
    this.processes.set(record.id, mp);
    await this.save();
    await mp.attach(false);
    return mp.record;
  }

  async stopProcess(sel: ProcessSelector): Promise<LocalProcess> {
    const mp = await this.select(sel, 'active');
    await mp.stop();
    return mp.record;
  }

  async setPrivate(sel: ProcessSelector, value: boolean): Promise<LocalProcess> {
    const mp = await this.select(sel, 'active');
    try {
      await mp.setPrivate(value);
    } catch (err) {
      throw fromApiError(err);
    }
    return mp.record;
  }

  async restartProcess(sel: ProcessSelector): Promise<LocalProcess> {
    const mp = await this.select(sel, 'prefer-active');
    if (mp.record.spec.mode === 'share') throw new AgentError('validation_failed', `'${mp.record.name}' is shared, not run by the agent: restart it yourself`);
    await mp.restart();
    return mp.record;
  }

  /** `grid rm`: forgets a stopped, exited or errored process: it leaves `grid status`, and its logs are deleted. */
  async removeProcess(sel: ProcessSelector): Promise<LocalProcess> {
    const mp = await this.select(sel, 'finished');
    await mp.detach();
    await this.forget(mp);
    await this.save();
    return mp.record;
  }

  /** A process of this PC by id, unambiguous name or id prefix; `want` says which states qualify. */
  async select(sel: ProcessSelector, want: Want): Promise<ManagedProcess> {
    let candidates = [...this.processes.values()];
    if (sel.grid) {
      const grid = await resolveGrid(this.client(), sel.grid);
      candidates = candidates.filter((p) => p.record.gridId === grid.id);
    }
    const rows = candidates.map((mp) => ({ id: mp.id, name: mp.record.name, gridId: mp.record.gridId, state: mp.record.runtime.state, active: mp.live, mp }));
    return pickProcess(rows, sel.process, want, { where: 'on this PC', list: 'grid status' }).mp;
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
      ...(this.session.problem ? { sessionProblem: this.session.problem } : {}),
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
    const mps = sel ? [await this.select(sel, 'prefer-active')] : [...this.processes.values()];
    return listConnections(this.client(), mps.map((mp) => mp.record), openOnly, sel !== null);
  }

  /** `grid disconnect`: closes one connection to a process of this PC, or all of them. */
  async disconnect(sel: ProcessSelector, connectionId: string | undefined): Promise<{ closed: number }> {
    return closeConnections(this.client(), (await this.select(sel, 'prefer-active')).record, connectionId);
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
      this.forget(old).catch((err: unknown) => this.log.warn({ processId: old.id, err: (err as Error).message }, 'could not remove the logs of a finished process'));
    }
  }

  /** Drops a finished process from the list, with its output logs and exit file. */
  private async forget(mp: ManagedProcess): Promise<void> {
    this.processes.delete(mp.id);
    const log = outLogPath(this.config.paths.logsDir, mp.id);
    await Promise.all([log, `${log}.1`, exitFilePath(this.config.paths.exitsDir, mp.id)].map((path) => rm(path, { force: true })));
  }
}
