import type { AuthResponse, Credentials, LoginCredentials, OwnDevice } from '@gridshare/protocol';
import { CLOSE_CODES } from '@gridshare/protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import { AccountsRepository, type Principal } from '../store/accounts.repository.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';
import type { Database } from '../store/database.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import { hashToken, newToken } from './tokens.js';

export interface AuthContext extends Principal {
  tokenHash: string;
}

interface CacheEntry {
  ctx: Readonly<AuthContext>;
  expiresAt: number;
}

const TOKEN_CACHE_MAX = 50_000;
/** last_seen_at is a hint, not an audit log: written at most this often per device. */
const TOUCH_EVERY_MS = 60_000;

export class AuthService {
  private readonly accounts: AccountsRepository;
  /**
   * Keyed by the raw token, so a hit costs no hashing (the hot path of every
   * heartbeat). Raw tokens stay in memory only as cache keys.
   */
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touched = new Map<string, number>();
  /** Tokens revoked here lately: a lookup that raced the logout must not put one back in the cache. */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /**
     * How long a token lookup is trusted without asking the database again. A
     * logout on this coordinator evicts at once; another coordinator sharing
     * the database notices within this window.
     */
    private readonly cacheMs = 10_000,
  ) {
    this.accounts = new AccountsRepository(db);
  }

  async signup(c: Credentials): Promise<AuthResponse> {
    const passwordHash = await hashPassword(c.password);
    const token = newToken();
    return this.db.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      const user = await accounts.insertUser(randomUUID(), c.username, passwordHash);
      if (!user) throw new AppError('username_taken', `the username '${c.username}' is taken`);
      const device = await accounts.insertDeviceWithToken(randomUUID(), user.id, c.deviceName.trim(), hashToken(token));
      this.log.info({ event: 'user.signup', userId: user.id, deviceId: device.id }, 'user signed up');
      return { user, device, token };
    });
  }

  /** Each login is a new device with its own token. */
  async login(c: LoginCredentials): Promise<AuthResponse> {
    const found = await this.accounts.findUserByName(c.username);
    const ok = await verifyPassword(c.password, found?.passwordHash ?? (await dummyHash()));
    if (!found || !ok) throw new AppError('invalid_credentials', 'wrong username or password');
    const { passwordHash: _, ...user } = found;
    const token = newToken();
    const device = await this.db.transaction((tx) =>
      new AccountsRepository(tx).insertDeviceWithToken(randomUUID(), user.id, c.deviceName.trim(), hashToken(token)),
    );
    this.log.info({ event: 'user.login', userId: user.id, deviceId: device.id }, 'user logged in');
    return { user, device, token };
  }

  async logout(ctx: AuthContext): Promise<void> {
    // Forgotten first: a lookup racing the revocation must not put it back in the cache.
    this.forgetToken(ctx.tokenHash);
    await this.accounts.revokeToken(ctx.tokenHash);
    this.bus.disconnectToken(ctx.tokenHash, CLOSE_CODES.unauthorized, 'logged out');
    this.log.info({ event: 'user.logout', userId: ctx.user.id, deviceId: ctx.device.id }, 'token revoked');
  }

  /** My logged-in devices: which are connected now, and which one is asking. */
  async listDevices(ctx: AuthContext): Promise<OwnDevice[]> {
    const devices = await this.accounts.listLiveDevices(ctx.user.id);
    return devices.map((d) => ({ ...d, current: d.id === ctx.device.id }));
  }

  /** Logs a device of mine out everywhere: all its tokens revoked, its agent link and sockets closed. */
  async revokeDevice(ctx: AuthContext, deviceId: string): Promise<void> {
    const hashes = await this.accounts.revokeDeviceTokens(deviceId, ctx.user.id);
    if (hashes.length === 0) throw new AppError('device_not_found', 'no such logged-in device of yours; `grid devices` lists them');
    for (const hash of hashes) {
      this.forgetToken(hash);
      this.bus.disconnectToken(hash, CLOSE_CODES.unauthorized, 'this device was logged out from another one');
    }
    this.log.info({ event: 'device.revoked', userId: ctx.user.id, deviceId, by: ctx.device.id }, 'device logged out');
  }

  /** A token revoked (here or by another coordinator): no cache entry or racing lookup honours it again. */
  forgetToken(tokenHash: string): void {
    const now = Date.now();
    for (const [hash, until] of this.revoked) if (until <= now) this.revoked.delete(hash);
    this.revoked.set(tokenHash, now + this.cacheMs);
    for (const [token, entry] of this.cache) if (entry.ctx.tokenHash === tokenHash) this.cache.delete(token);
  }

  /** The principal behind a bearer token; throws `unauthorized` for a missing, unknown or revoked one. */
  async authenticate(token: string | undefined): Promise<AuthContext> {
    if (!token) throw new AppError('unauthorized', 'sign in first: no bearer token was sent');
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && hit.expiresAt > now) {
      this.touch(hit.ctx.device.id, now);
      return hit.ctx;
    }
    const tokenHash = hashToken(token);
    let principal: Principal | null;
    try {
      principal = await this.accounts.findPrincipalByTokenHash(tokenHash);
    } catch (err) {
      // The database is down: a token we knew a moment ago still counts (stale-if-error), so
      // agents' heartbeats keep being accepted through an outage.
      if (hit && isDatabaseUnavailable(err) && !this.revoked.has(tokenHash)) return hit.ctx;
      throw err;
    }
    if (this.revoked.has(tokenHash)) principal = null;
    if (!principal) throw new AppError('unauthorized', 'this token is unknown or was revoked; log in again');
    const ctx = Object.freeze({ ...principal, tokenHash });
    if (this.cache.size >= TOKEN_CACHE_MAX) this.cache.clear();
    this.cache.set(token, { ctx, expiresAt: now + this.cacheMs });
    this.touch(principal.device.id, now);
    return ctx;
  }

  private touch(deviceId: string, now: number): void {
    const last = this.touched.get(deviceId) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(deviceId, now);
    this.accounts.touchDevice(deviceId).catch((err: unknown) => this.log.warn({ err, deviceId }, 'could not record last_seen_at'));
  }
}
