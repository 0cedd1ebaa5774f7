import { type PsEntry, type PsResponse, withoutHidden } from '@gridshare/protocol';
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { shortIds } from '../../daemon/ref-match.js';
import { action, agentClient } from '../context.js';
import { ago, bytes, duration, printJson, status, table } from '../output.js';

/** The Server List Ping result: version, players and latency, or why it does not answer. */
export function minecraft(mc: NonNullable<NonNullable<PsEntry['process']['health']>['minecraft']>): string {
  // Text a game server chose: printed without anything that could steer the terminal, whatever the coordinator let through.
  if (!mc.reachable) return `minecraft: no answer (${withoutHidden(mc.error ?? 'unknown')})`;
  const latency = mc.latencyMs !== undefined ? ` ${Math.round(mc.latencyMs)}ms` : '';
  const who = mc.sample?.length ? ` (${mc.sample.slice(0, 3).map((n) => withoutHidden(n)).join(', ')}${mc.sample.length > 3 ? ', …' : ''})` : '';
  return `minecraft ${withoutHidden(mc.version ?? '?')}, players ${mc.playersOnline ?? '?'}/${mc.playersMax ?? '?'}${who}${latency}`;
}

/** Why a stopped process stopped, when it says more than "stopped". */
export function stoppedNote(p: PsEntry['process']): string {
  if (p.stopReason === 'force_stopped') return 'force-stopped by a grid owner or admin';
  if (p.exitCode !== null) return `exit ${p.exitCode}`;
  return p.stopReason && p.stopReason !== 'stopped' ? p.stopReason.replaceAll('_', ' ') : '';
}

function health(e: PsEntry): string {
  const h = e.process.health;
  if (e.process.status === 'stopped') return stoppedNote(e.process);
  if (!h) return '';
  const parts: string[] = [];
  if (h.cpuPercent !== undefined) parts.push(`cpu ${h.cpuPercent}%`);
  if (h.rssBytes !== undefined) parts.push(`mem ${bytes(h.rssBytes)}`);
  for (const p of h.ports ?? []) parts.push(`:${p.port} ${p.open ? 'open' : 'closed'}`);
  if (h.minecraft) parts.push(minecraft(h.minecraft));
  if (e.process.private) parts.push('private');
  const note = e.local?.runtime.state === 'errored' ? ` (errored: ${e.local.runtime.message ?? ''})` : '';
  return parts.join(', ') + note;
}

export function render(res: PsResponse, now = Date.now()): string {
  if (res.processes.length === 0) return 'No processes in your grids. Share one: grid run --grid GRID --name NAME -- COMMAND';
  const ids = shortIds(res.processes.map((e) => e.process.id));
  const rows = res.processes.map((e, i) => {
    const p = e.process;
    // The uptime the last heartbeat reported, plus the time since it (heartbeats come every 30 s).
    const sinceBeat = Math.max(0, (now - Date.parse(p.lastHeartbeatAt)) / 1000);
    const uptime =
      p.status === 'stopped' ? '-' : p.health?.uptimeSeconds !== undefined ? duration(p.health.uptimeSeconds + (p.status === 'online' ? sinceBeat : 0)) : duration((now - Date.parse(p.registeredAt)) / 1000);
    return [e.gridName, p.name, status(p.status), `${p.hostUsername}@${p.hostDeviceName}`, uptime, p.status === 'stopped' ? '-' : ago(p.lastHeartbeatAt, now), health(e), ids[i]!];
  });
  return table(['GRID', 'NAME', 'STATUS', 'HOST', 'UPTIME', 'HEARTBEAT', 'HEALTH', 'ID'], rows);
}

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('Every process of your grids, from every PC')
    .option('-g, --grid <grid>', 'only this grid')
    .option('-a, --all', 'include stopped processes')
    .option('-w, --watch', 'redraw live from the coordinator’s events')
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: { grid?: string; all?: boolean; watch?: boolean; json?: boolean }) => {
        const client = await agentClient();
        const q = new URLSearchParams({ ...(opts.grid ? { grid: opts.grid } : {}), ...(opts.all ? { all: 'true' } : {}) });
        const fetchPs = () => client.call<PsResponse>('GET', `/v1/ps?${q}`);
        if (!opts.watch) {
          const res = await fetchPs();
          if (opts.json) return printJson(res);
          return void process.stdout.write(`${render(res)}\n`);
        }
        let latest = await fetchPs();
        const draw = () => {
          if (opts.json) return printJson(latest);
          process.stdout.write(`\x1b[2J\x1b[H${render(latest)}\n\n(live — Ctrl-C to quit)\n`);
        };
        draw();
        const stream = await client.raw('GET', `/v1/watch${opts.grid ? `?grid=${encodeURIComponent(opts.grid)}` : ''}`);
        const ticker = opts.json ? undefined : setInterval(draw, 1000);
        for await (const _line of createInterface({ input: stream })) {
          latest = await fetchPs();
          draw();
        }
        clearInterval(ticker);
      }),
    );
}
