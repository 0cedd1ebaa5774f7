import type { DeviceListResponse, LogoutResponse, WhoAmI, WhoAmIResponse } from '@gridshare/protocol';
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { action, agentClient } from '../context.js';
import { ago, printJson, table } from '../output.js';

/** The password: GRID_PASSWORD, else a prompt that does not echo (or a line of piped stdin). */
async function readPassword(prompt: string): Promise<string> {
  if (process.env.GRID_PASSWORD) return process.env.GRID_PASSWORD;
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new Error('no password given: set GRID_PASSWORD or type it at the prompt');
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = new Promise<string>((resolve) => rl.question(prompt, resolve));
  muted = true;
  const password = await answer;
  rl.close();
  process.stderr.write('\n');
  return password;
}

async function readUsername(given: string | undefined): Promise<string> {
  if (given) return given;
  if (!process.stdin.isTTY) throw new Error('--username is required when not on a terminal');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const name = await new Promise<string>((resolve) => rl.question('Username: ', resolve));
  rl.close();
  return name.trim();
}

function authCommand(program: Command, name: 'signup' | 'login', description: string): void {
  program
    .command(name)
    .description(description)
    .requiredOption('-s, --server <url>', 'the coordinator, e.g. http://grid.example.com:8080')
    .option('-u, --username <name>', 'your username (asked when missing)')
    .option('--device-name <name>', 'what to call this PC (default: its host name)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nThe password is read from GRID_PASSWORD, or asked without echo.')
    .action(
      action(async (opts: { server: string; username?: string; deviceName?: string; json?: boolean }) => {
        const username = await readUsername(opts.username);
        const password = await readPassword('Password: ');
        const client = await agentClient();
        const who = await client.call<WhoAmI>('POST', '/v1/login', {
          server: opts.server,
          username,
          password,
          deviceName: opts.deviceName ?? hostname(),
          signup: name === 'signup',
        });
        if (opts.json) return printJson(who);
        process.stdout.write(`${name === 'signup' ? 'Signed up' : 'Logged in'} as ${who.user.username} on ${who.server} (device ${who.device.name})\n`);
      }),
    );
}

export function registerAccount(program: Command): void {
  authCommand(program, 'signup', 'Create an account on a coordinator and log this PC in');
  authCommand(program, 'login', 'Log this PC in to a coordinator (each login is a device with its own token)');
  program
    .command('logout')
    .description('Revoke this device’s token and forget it (nothing to do when not logged in)')
    .action(
      action(async () => {
        const res = await (await agentClient()).call<LogoutResponse>('POST', '/v1/logout');
        process.stdout.write(res.wasLoggedIn ? 'Logged out\n' : 'Not logged in\n');
      }),
    );
  program
    .command('whoami')
    .description('Show the server, user and device this PC is logged in as, checked with the coordinator')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nExits non-zero when not logged in or when the coordinator refuses this PC’s token. When the coordinator\ncannot be reached it still shows the identity saved on this PC, says so on stderr, and exits 0\n(--json: "coordinator": "unreachable").',
    )
    .action(
      action(async (opts: { json?: boolean }) => {
        const who = await (await agentClient()).call<WhoAmIResponse>('GET', '/v1/whoami');
        if (who.coordinator === 'unreachable') {
          process.stderr.write(`grid: could not reach the coordinator to check this PC's login (${who.coordinatorError ?? 'no answer'}); this is the identity saved on this PC\n`);
        }
        if (opts.json) return printJson(who);
        process.stdout.write(`${who.user.username} on ${who.server} (device ${who.device.name})\n`);
      }),
    );

  const devices = program
    .command('devices')
    .description('My logged-in devices: which are online now, and which is this PC')
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const res = await (await agentClient()).call<DeviceListResponse>('GET', '/v1/devices');
        if (opts.json) return printJson(res);
        const rows = res.devices.map((d) => [`${d.name}${d.current ? ' (this PC)' : ''}`, d.online ? 'online' : 'offline', ago(d.lastSeenAt), d.id]);
        process.stdout.write(`${table(['DEVICE', 'STATUS', 'LAST SEEN', 'ID'], rows)}\n`);
      }),
    );
  devices
    .command('revoke <device>')
    .description('Log out another device of mine everywhere (a lost laptop): its token stops working at once')
    .option('--json', 'print as JSON')
    .action(
      action(async (device: string, opts: { json?: boolean }) => {
        const res = await (await agentClient()).call<DeviceListResponse>('POST', '/v1/devices/revoke', { device });
        if (opts.json) return printJson(res);
        process.stdout.write(`Logged out ${res.devices[0]?.name ?? device}\n`);
      }),
    );
}
