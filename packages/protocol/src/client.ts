import type { AuthResponse, Credentials, DeviceListResponse, LoginCredentials, MeResponse } from './api/auth.js';
import type {
  CreateGridRequest,
  GridDetailResponse,
  GridListResponse,
  GridResponse,
  MemberResponse,
  UpdateMemberRequest,
} from './api/grids.js';
import type { CloseConnectionsResponse, ConnectionListQuery, ConnectionListResponse } from './api/connections.js';
import type { CreateInviteRequest, InviteListResponse, InviteResponse } from './api/invites.js';
import type {
  HeartbeatRequest,
  HeartbeatResponse,
  ListProcessesQuery,
  ProcessHistoryResponse,
  ProcessListResponse,
  ProcessResponse,
  RegisterProcessRequest,
  UnregisterRequest,
} from './api/processes.js';
import { type ErrorCode, RETRYABLE_CODES } from './errors.js';
import { API_PREFIX, EVENTS_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from './version.js';

/** An error answer from the coordinator, or a failure to reach it (code `network_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'bad_response',
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get retryable(): boolean {
    return this.code === 'network_error' || (this.code !== 'bad_response' && RETRYABLE_CODES.has(this.code));
  }
}

export interface ClientOptions {
  /** e.g. http://localhost:8080 */
  baseUrl: string;
  token?: string | undefined;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * Gives up on a request (answer and body) after this long: a coordinator that
   * accepts and never answers must not hold a caller forever. Default: none.
   */
  timeoutMs?: number | undefined;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const seg = encodeURIComponent;

/** A typed client for every /api/v1 endpoint. */
export class GridClient {
  readonly baseUrl: string;
  token: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number | undefined;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token;
    // Called through a closure: browsers refuse window.fetch called as another object's method.
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs;
  }

  withToken(token: string | undefined): GridClient {
    return new GridClient({ baseUrl: this.baseUrl, token, fetch: this.fetchImpl, timeoutMs: this.timeoutMs });
  }

  /** The same client, giving up on each request after `timeoutMs`. */
  withTimeout(timeoutMs: number): GridClient {
    return new GridClient({ baseUrl: this.baseUrl, token: this.token, fetch: this.fetchImpl, timeoutMs });
  }

  /**
   * What a browser passes as `new WebSocket(url, protocols)`: the token rides in
   * the Sec-WebSocket-Protocol header, so it is never in a URL (which browsers
   * print in their console when a connection fails).
   */
  eventsProtocols(): string[] {
    return this.token ? [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${this.token}`] : [EVENTS_SUBPROTOCOL];
  }

  /**
   * The events WebSocket URL for a grid. It never carries the token (the
   * coordinator refuses `?token=`): send that in the Authorization header, or
   * from a browser as the subprotocols of `eventsProtocols()`.
   */
  eventsUrl(gridId: string): string {
    const url = new URL(`${API_PREFIX}/grids/${seg(gridId)}/events`, this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  /** The agent link's WebSocket URL (the token goes in the Authorization header). */
  linkUrl(): string {
    const url = new URL(`${API_PREFIX}/agent/link`, this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signal = this.timeoutMs === undefined ? null : AbortSignal.timeout(this.timeoutMs);
    const failed = (err: unknown) => {
      if (signal?.aborted) return new ApiError(0, 'network_error', `no answer from ${this.baseUrl} within ${Math.round(this.timeoutMs! / 100) / 10} s`);
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return new ApiError(0, 'network_error', `cannot reach ${this.baseUrl}${cause}`);
    };
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${API_PREFIX}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal,
      });
      if (res.status === 204) return undefined as T;
      text = await res.text();
    } catch (err) {
      throw failed(err);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(res.status, 'bad_response', `unexpected non-JSON answer (HTTP ${res.status})`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: ErrorCode; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, e?.code ?? 'bad_response', e?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  // accounts and devices
  signup(body: Credentials) { return this.request<AuthResponse>('POST', '/auth/signup', body); }
  login(body: LoginCredentials) { return this.request<AuthResponse>('POST', '/auth/login', body); }
  logout() { return this.request<void>('POST', '/auth/logout'); }
  me() { return this.request<MeResponse>('GET', '/me'); }
  listDevices() { return this.request<DeviceListResponse>('GET', '/devices'); }
  /** Logs a device of mine out everywhere (all its tokens). */
  revokeDevice(deviceId: string) { return this.request<void>('DELETE', `/devices/${seg(deviceId)}`); }

  // grids
  createGrid(body: CreateGridRequest) { return this.request<GridResponse>('POST', '/grids', body); }
  listGrids() { return this.request<GridListResponse>('GET', '/grids'); }
  getGrid(gridId: string) { return this.request<GridDetailResponse>('GET', `/grids/${seg(gridId)}`); }
  createInvite(gridId: string, body: CreateInviteRequest = {}) {
    return this.request<InviteResponse>('POST', `/grids/${seg(gridId)}/invites`, body);
  }
  listInvites(gridId: string) { return this.request<InviteListResponse>('GET', `/grids/${seg(gridId)}/invites`); }
  revokeInvite(gridId: string, code: string) {
    return this.request<void>('DELETE', `/grids/${seg(gridId)}/invites/${seg(code)}`);
  }
  join(code: string) { return this.request<GridResponse>('POST', '/grids/join', { code }); }
  removeMember(gridId: string, userId: string) {
    return this.request<void>('DELETE', `/grids/${seg(gridId)}/members/${seg(userId)}`);
  }
  updateMember(gridId: string, userId: string, body: UpdateMemberRequest) {
    return this.request<MemberResponse>('PATCH', `/grids/${seg(gridId)}/members/${seg(userId)}`, body);
  }

  // processes
  registerProcess(gridId: string, body: RegisterProcessRequest) {
    return this.request<ProcessResponse>('POST', `/grids/${seg(gridId)}/processes`, body);
  }
  heartbeat(gridId: string, processId: string, body: HeartbeatRequest = {}) {
    return this.request<HeartbeatResponse>('POST', `/grids/${seg(gridId)}/processes/${seg(processId)}/heartbeat`, body);
  }
  unregisterProcess(gridId: string, processId: string, body: UnregisterRequest = {}) {
    return this.request<ProcessResponse>('DELETE', `/grids/${seg(gridId)}/processes/${seg(processId)}`, body);
  }
  listProcesses(gridId: string, query: ListProcessesQuery = {}) {
    const q = query.status ? `?status=${seg(query.status)}` : '';
    return this.request<ProcessListResponse>('GET', `/grids/${seg(gridId)}/processes${q}`);
  }
  getProcess(gridId: string, processId: string) {
    return this.request<ProcessResponse>('GET', `/grids/${seg(gridId)}/processes/${seg(processId)}`);
  }
  /** The process's recent state changes, newest first. */
  processHistory(gridId: string, processId: string) {
    return this.request<ProcessHistoryResponse>('GET', `/grids/${seg(gridId)}/processes/${seg(processId)}/events`);
  }

  // connections through the relay (the host, or an owner/admin)
  listConnections(gridId: string, processId: string, query: ConnectionListQuery = {}) {
    const q = query.state ? `?state=${seg(query.state)}` : '';
    return this.request<ConnectionListResponse>('GET', `/grids/${seg(gridId)}/processes/${seg(processId)}/connections${q}`);
  }
  /** Closes every open connection to the process. */
  closeConnections(gridId: string, processId: string) {
    return this.request<CloseConnectionsResponse>('DELETE', `/grids/${seg(gridId)}/processes/${seg(processId)}/connections`);
  }
  closeConnection(gridId: string, processId: string, connectionId: string) {
    return this.request<void>('DELETE', `/grids/${seg(gridId)}/processes/${seg(processId)}/connections/${seg(connectionId)}`);
  }
}
