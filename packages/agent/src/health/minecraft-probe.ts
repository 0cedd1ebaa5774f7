import { type MinecraftHealth, pingMinecraft } from './minecraft-ping.js';

/** The most a heartbeat waits for a ping; a slower answer is reported with the next one. */
const WAIT_MS = 1_000;

/**
 * Game-aware health for one process. A process of kind `minecraft` is pinged
 * on its first declared port at every heartbeat; any other process has each
 * open declared port probed once (per run) and is pinged from then on if one
 * answered. Never delays a heartbeat by more than WAIT_MS.
 */
export class MinecraftProbe {
  private running: Promise<MinecraftHealth> | undefined;
  private latest: { port: number; health: MinecraftHealth } | undefined;
  /** The port that answered the ping (kinds other than minecraft). */
  private target: number | undefined;
  /** `${pid}:${port}` already probed: a port that did not answer is not asked again in that run. */
  private readonly probed = new Set<string>();

  constructor(private readonly ping: (port: number) => Promise<MinecraftHealth> = (port) => pingMinecraft(port)) {}

  async sample(kind: string, pid: number, ports: ReadonlyArray<{ port: number; open: boolean }>): Promise<MinecraftHealth | undefined> {
    if (kind === 'minecraft') {
      const first = ports[0];
      return first ? this.pingWithin(first.port) : undefined;
    }
    if (this.target !== undefined) return this.pingWithin(this.target);
    const candidate = ports.find((p) => p.open && !this.probed.has(`${pid}:${p.port}`));
    if (!candidate) return undefined;
    this.probed.add(`${pid}:${candidate.port}`);
    const h = await this.pingWithin(candidate.port);
    return h?.reachable ? h : undefined;
  }

  private async pingWithin(port: number): Promise<MinecraftHealth | undefined> {
    this.running ??= this.ping(port)
      .then((health) => {
        this.latest = { port, health };
        if (health.reachable) this.target ??= port;
        return health;
      })
      .finally(() => (this.running = undefined));
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([this.running, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), WAIT_MS)))]);
    clearTimeout(timer);
    return waited ?? (this.latest?.port === port ? this.latest.health : undefined);
  }
}
