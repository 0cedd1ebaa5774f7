import { ConnectEvent, type LocalConnectionsResponse, type LocalProcessResponse, tryParseJson } from '@gridshare/protocol';
import { Value } from '@sinclair/typebox/value';
import { Argument, type Command } from 'commander';
import { createInterface } from 'node:readline';
import { action, agentClient } from '../context.js';
import { answerError, LocalApiError } from '../../localapi/client.js';
import { ago, bytes, dim, printJson, table } from '../output.js';
import { connectionId, localPort, singlePort } from '../parse.js';

const AGENT_STOPPED = 'the agent stopped; run grid connect again';

function describe(e: ConnectEvent): string {
  switch (e.type) {
    case 'listening':
      return `connect your client to 127.0.0.1:${e.port}`;
    case 'opened':
      return `${e.client}: connected`;
    case 'closed':
      return `${e.client}: closed (${e.reason}), ${bytes(e.bytesIn)} sent, ${bytes(e.bytesOut)} received`;
    case 'refused':
      return `${e.client}: refused — ${e.message}`;
    case 'agent_stopped':
      return e.message;
  }
}

export function registerConnect(program: Command): void {
  program
    .command('connect <process>')
    .description('Reach a process of your grids from this PC: a local port, relayed through the coordinator')
    .option('-g, --grid <grid>', 'narrow a process name to one grid')
    .option('-l, --local-port <port>', 'where to listen on 127.0.0.1; 0 for any free port (default: the process’s own port when free, else any)', localPort)
    .option('-p, --port <port>', 'which declared port of the process (default: its first)', singlePort)
    .option('--json', 'print events as JSON lines')
    .addHelpText('after', '\nStays in the foreground; Ctrl-C closes the port and its connections. If the agent stops, the port goes with it:\nthat is said (with --json, as {"type":"agent_stopped"}) and the exit status is 1.\n\nExample:\n  grid connect survival        # then point Minecraft at the address it prints')
    .action(
      action(async (proc: string, opts: { grid?: string; localPort?: number; port?: number; json?: boolean }) => {
        const client = await agentClient();
        const q = new URLSearchParams({
          process: proc,
          ...(opts.grid ? { grid: opts.grid } : {}),
          ...(opts.localPort !== undefined ? { localPort: String(opts.localPort) } : {}),
          ...(opts.port ? { port: String(opts.port) } : {}),
        });
        const res = await client.raw('GET', `/v1/connect?${q}`);
        if ((res.statusCode ?? 500) >= 400) {
          let text = '';
          for await (const c of res) text += String(c);
          throw answerError(res.statusCode ?? 500, text);
        }
        const stop = () => {
          res.destroy();
          process.exit(0);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          for await (const line of createInterface({ input: res })) {
            if (!line) continue;
            const e = tryParseJson(line);
            if (!Value.Check(ConnectEvent, e)) throw new LocalApiError('bad_answer', `the agent sent something that is not a connect event: ${line.slice(0, 200)}`);
            if (opts.json) process.stdout.write(`${line}\n`);
            else if (e.type === 'listening') process.stdout.write(`${describe(e)}\n${dim(`(${e.processName} in ${e.gridName}, port ${e.remotePort} on its host; Ctrl-C to stop)`)}\n`);
            else process.stderr.write(`${describe(e)}\n`);
          }
        } catch (err) {
          // The agent went away mid-stream (the socket was cut: "aborted"): the same as the stream ending.
          if (err instanceof LocalApiError) throw err;
        }
        // The listener lived in the agent: whether it shut down or died, the port is gone.
        const stopped: ConnectEvent = { type: 'agent_stopped', message: AGENT_STOPPED };
        const out = opts.json ? process.stdout : process.stderr;
        out.write(opts.json ? `${JSON.stringify(stopped)}\n` : `grid: ${AGENT_STOPPED}\n`, () => process.exit(1));
      }),
    );

  program
    .command('connections [process]')
    .description('Who connected to the processes of this PC through the relay (newest first)')
    .option('-g, --grid <grid>', 'narrow a process name to one grid')
    .option('--open', 'only connections open now')
    .option('--json', 'print as JSON')
    .action(
      action(async (proc: string | undefined, opts: { grid?: string; open?: boolean; json?: boolean }) => {
        const q = new URLSearchParams({ ...(proc ? { process: proc } : {}), ...(opts.grid ? { grid: opts.grid } : {}), ...(opts.open ? { open: 'true' } : {}) });
        const res = await (await agentClient()).call<LocalConnectionsResponse>('GET', `/v1/connections?${q}`);
        if (opts.json) return printJson(res);
        if (res.connections.length === 0) return void process.stdout.write(opts.open ? 'No open connections.\n' : 'No connections yet.\n');
        const rows = res.connections.map(({ processName, connection: c }) => [
          processName,
          `${c.username}@${c.deviceName}`,
          String(c.port),
          ago(c.openedAt),
          c.closedAt ? `${c.closeReason ?? 'closed'} ${ago(c.closedAt)}` : 'open',
          bytes(c.bytesIn),
          bytes(c.bytesOut),
          c.id,
        ]);
        process.stdout.write(`${table(['PROCESS', 'WHO', 'PORT', 'OPENED', 'STATE', 'IN', 'OUT', 'ID'], rows)}\n`);
      }),
    );

  program
    .command('disconnect <process> [connection]')
    .description('Close connections to a process of this PC: one by id, or all of them (refuse new ones with `grid private`)')
    .option('-g, --grid <grid>', 'narrow a process name to one grid')
    .option('--json', 'print as JSON')
    .action(
      action(async (proc: string, connection: string | undefined, opts: { grid?: string; json?: boolean }) => {
        const id = connection === undefined ? undefined : connectionId(connection);
        const res = await (await agentClient()).call<{ closed: number }>('POST', '/v1/disconnect', {
          process: proc,
          ...(opts.grid ? { grid: opts.grid } : {}),
          ...(id ? { connection: id } : {}),
        });
        if (opts.json) return printJson(res);
        process.stdout.write(`Closed ${res.closed} connection(s)\n`);
      }),
    );

  program
    .command('private')
    .description('Refuse connections to a process of this PC (its open ones close at once), or accept them again with `off`')
    .argument('<process>', 'id or unambiguous name of a running process of this PC')
    .addArgument(new Argument('[state]', 'on: refuse connections; off: accept them').choices(['on', 'off']).default('on'))
    .option('-g, --grid <grid>', 'narrow a process name to one grid')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  grid private survival       # nobody can connect; open connections close\n  grid private survival off   # members can connect again')
    .action(
      action(async (proc: string, state: 'on' | 'off', opts: { grid?: string; json?: boolean }) => {
        const res = await (await agentClient()).call<LocalProcessResponse>('POST', '/v1/private', {
          process: proc,
          ...(opts.grid ? { grid: opts.grid } : {}),
          private: state === 'on',
        });
        if (opts.json) return printJson(res);
        process.stdout.write(
          state === 'on'
            ? `${res.process.name} is private: connections are refused, open ones were closed\n`
            : `${res.process.name} accepts connections from members of its grid again\n`,
        );
      }),
    );
}
