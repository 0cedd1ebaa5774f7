import { type GridDetailResponse, type GridListResponse, type GridResponse, INVITE_LIMITS, type InviteResponse } from '@gridshare/protocol';
import type { Command } from 'commander';
import { action, agentClient } from '../context.js';
import { bold, printJson, table } from '../output.js';
import { inviteCode, inviteExpiry, inviteUses, shortDuration } from '../parse.js';

export function registerGrids(program: Command): void {
  const grids = program
    .command('grids')
    .description('List your grids (and create them: grid grids create NAME)')
    .enablePositionalOptions()
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const res = await (await agentClient()).call<GridListResponse>('GET', '/v1/grids');
        if (opts.json) return printJson(res);
        if (res.grids.length === 0) return void process.stdout.write('You are in no grid yet. Create one: grid grids create NAME, or join: grid join CODE\n');
        process.stdout.write(`${table(['NAME', 'ROLE', 'MEMBERS', 'ID'], res.grids.map((g) => [g.name, g.role, String(g.memberCount), g.id]))}\n`);
      }),
    );
  grids
    .command('create <name>')
    .description('Create a grid; you become its owner')
    .option('--json', 'print as JSON')
    .action(
      action(async (name: string, opts: { json?: boolean }) => {
        const res = await (await agentClient()).call<GridResponse>('POST', '/v1/grids', { name });
        if (opts.json) return printJson(res);
        process.stdout.write(`Created grid ${res.grid.name} (${res.grid.id})\nInvite people: grid invite ${res.grid.name}\n`);
      }),
    );

  program
    .command('invite <grid>')
    .description('Create an invite code for a grid (owner or admin)')
    .option('--uses <n>', `how many people may use it, 1 to ${INVITE_LIMITS.maxUses} (default: no limit)`, inviteUses)
    .option(
      '--expires <duration>',
      `how long it is valid, ${shortDuration(INVITE_LIMITS.minExpiresInSeconds)} to ${shortDuration(INVITE_LIMITS.maxExpiresInSeconds)}: 30m, 1h, 7d (default: it never expires)`,
      inviteExpiry,
    )
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nWithout --uses and --expires an invite works for anyone, for as long as it is not revoked.\n\nExample:\n  grid invite friends --uses 3 --expires 1d')
    .action(
      action(async (grid: string, opts: { uses?: number; expires?: number; json?: boolean }) => {
        const res = await (await agentClient()).call<InviteResponse>('POST', '/v1/invites', {
          grid,
          ...(opts.uses !== undefined ? { maxUses: opts.uses } : {}),
          ...(opts.expires !== undefined ? { expiresInSeconds: opts.expires } : {}),
        });
        if (opts.json) return printJson(res);
        const { invite } = res;
        process.stdout.write(`Invite code: ${bold(invite.code)}\n`);
        process.stdout.write(`  ${invite.maxUses ? `${invite.maxUses} use(s)` : 'unlimited uses'}, ${invite.expiresAt ? `expires ${invite.expiresAt}` : 'does not expire'}\n`);
        process.stdout.write(`They join with: grid join ${invite.code}\n`);
      }),
    );

  program
    .command('join <code>')
    .description('Join a grid with an invite code (like 7KQ3M-XW9PD)')
    .option('--json', 'print as JSON')
    .action(
      action(async (raw: string, opts: { json?: boolean }) => {
        const code = inviteCode(raw);
        const res = await (await agentClient()).call<GridResponse>('POST', '/v1/join', { code });
        if (opts.json) return printJson(res);
        process.stdout.write(`Joined ${res.grid.name}\n`);
      }),
    );

  program
    .command('members <grid>')
    .description('List the members of a grid and which of their devices are online')
    .option('--json', 'print as JSON')
    .action(
      action(async (grid: string, opts: { json?: boolean }) => {
        const res = await (await agentClient()).call<GridDetailResponse>('GET', `/v1/members?grid=${encodeURIComponent(grid)}`);
        if (opts.json) return printJson(res);
        const online = (userId: string) =>
          res.devices.filter((d) => d.userId === userId && d.online).map((d) => d.name).join(', ') || '-';
        const rows = res.members.map((m) => [m.username, m.role, m.joinedAt, online(m.userId)]);
        process.stdout.write(`${table(['USER', 'ROLE', 'JOINED', 'ONLINE DEVICES'], rows)}\n`);
      }),
    );

  program
    .command('leave <grid>')
    .description('Leave a grid (an owner hands ownership over first)')
    .action(
      action(async (grid: string) => {
        await (await agentClient()).call('POST', '/v1/leave', { grid });
        process.stdout.write('Left the grid\n');
      }),
    );
}
