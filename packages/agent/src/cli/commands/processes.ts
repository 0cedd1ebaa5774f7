import type { AgentStatus, LocalProcess, LocalProcessResponse } from '@gridshare/protocol';
import type { Command } from 'commander';
import { loadAgentConfig } from '../../config.js';
import { shortIds } from '../../daemon/ref-match.js';
import { LocalApiClient } from '../../localapi/client.js';
import { action, agentClient } from '../context.js';
import { ago, duration, printJson, status, table } from '../output.js';
import { envPair, lineCount, oneOf, port, singlePort } from '../parse.js';

const describeLocal = (p: LocalProcess) =>
  `${p.name} (${p.id}) ${p.runtime.state}${p.runtime.pid ? `, pid ${p.runtime.pid}` : ''}${p.runtime.message ? ` — ${p.runtime.message}` : ''}`;

export function registerProcesses(program: Command): void {
  program
    .command('run')
    .description('Start a process under the agent, share it in a grid, and heartbeat it')
    .requiredOption('-g, --grid <grid>', 'grid id or name')
    .requiredOption('-n, --name <name>', 'what the grid sees it as')
    .option('-k, --kind <kind>', 'minecraft, http, generic …', 'generic')
    .option('-p, --port <port>', 'a TCP port it serves (repeatable)', port, [])
    .option('-r, --restart <policy>', 'never | on-failure | always', oneOf(['never', 'on-failure', 'always'] as const), 'never')
    .option('--cwd <dir>', 'working directory (default: here)')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', envPair, {})
    .option('--private', 'refuse connections through the relay (grid connect)')
    .option('--json', 'print as JSON')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText('after', '\nExample:\n  grid run --grid friends --name survival --kind minecraft --port 25565 --restart on-failure -- java -jar server.jar nogui')
    // `grid run … python3 -m http.server`: the -m was the command's, not ours; say where it goes.
    .configureOutput({ outputError: (text, write) => write(commandOptionHint(text)) })
    .action(
      action(async (command: string[], opts: { grid: string; name: string; kind: string; port: number[]; restart: string; cwd?: string; env: Record<string, string>; private?: boolean; json?: boolean }) => {
        const res = await (await agentClient()).call<LocalProcessResponse>('POST', '/v1/run', {
          grid: opts.grid,
          name: opts.name,
          kind: opts.kind,
          ports: opts.port,
          restart: opts.restart,
          cwd: opts.cwd ?? process.cwd(),
          env: opts.env,
          command,
          ...(opts.private ? { private: true } : {}),
        });
        if (opts.json) return printJson(res);
        process.stdout.write(`Started ${describeLocal(res.process)}\nLogs: grid logs ${res.process.name} -f\n`);
      }),
    );

  program
    .command('share')
    .description('Share a process that is already running, found by the port it listens on')
    .requiredOption('-g, --grid <grid>', 'grid id or name')
    .requiredOption('-n, --name <name>', 'what the grid sees it as')
    .requiredOption('-p, --port <port>', 'the TCP port it listens on', singlePort)
    .option('-k, --kind <kind>', 'minecraft, http, generic …', 'generic')
    .option('--private', 'refuse connections through the relay (grid connect)')
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: { grid: string; name: string; port: number; kind: string; private?: boolean; json?: boolean }) => {
        const res = await (await agentClient()).call<LocalProcessResponse>('POST', '/v1/share', {
          grid: opts.grid,
          name: opts.name,
          port: opts.port,
          kind: opts.kind,
          ...(opts.private ? { private: true } : {}),
        });
        if (opts.json) return printJson(res);
        process.stdout.write(`Sharing ${describeLocal(res.process)}\n`);
      }),
    );

  for (const verb of ['stop', 'restart'] as const) {
    program
      .command(`${verb} <process>`)
      .description(verb === 'stop' ? 'Stop a process of this PC: unregister it, then SIGTERM (SIGKILL after a timeout)' : 'Restart a process of this PC (it stays registered)')
      .option('-g, --grid <grid>', 'narrow a process name to one grid')
      .option('--json', 'print as JSON')
      .action(
        action(async (proc: string, opts: { grid?: string; json?: boolean }) => {
          const res = await (await agentClient()).call<LocalProcessResponse>('POST', `/v1/${verb}`, { process: proc, ...(opts.grid ? { grid: opts.grid } : {}) });
          if (opts.json) return printJson(res);
          process.stdout.write(`${verb === 'stop' ? 'Stopped' : 'Restarted'} ${describeLocal(res.process)}\n`);
        }),
      );
  }

  program
    .command('rm <process>')
    .alias('delete')
    .description('Forget a stopped, exited or errored process of this PC: it leaves `grid status` and its logs are deleted')
    .option('-g, --grid <grid>', 'narrow a process name to one grid')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nA running process is refused: stop it first (grid stop PROC). Its grid keeps its history (grid ps --all).')
    .action(
      action(async (proc: string, opts: { grid?: string; json?: boolean }) => {
        const res = await (await agentClient()).call<LocalProcessResponse>('POST', '/v1/rm', { process: proc, ...(opts.grid ? { grid: opts.grid } : {}) });
        if (opts.json) return printJson(res);
        process.stdout.write(`Removed ${res.process.name} (${res.process.id}), ${res.process.runtime.state}\n`);
      }),
    );

  program
    .command('logs <process>')
    .description('Show the output of a process of this PC')
    .option('-g, --grid <grid>', 'narrow a process name to one grid')
    .option('-n, --lines <n>', 'how many of the last lines (0: none, as with tail)', lineCount, 50)
    .option('-f, --follow', 'keep printing new output')
    .action(
      action(async (proc: string, opts: { grid?: string; lines: number; follow?: boolean }) => {
        const client = await agentClient();
        const q = new URLSearchParams({ process: proc, lines: String(opts.lines), ...(opts.grid ? { grid: opts.grid } : {}), ...(opts.follow ? { follow: 'true' } : {}) });
        const res = await client.raw('GET', `/v1/logs?${q}`);
        if ((res.statusCode ?? 500) >= 400) {
          let text = '';
          for await (const c of res) text += String(c);
          throw new Error((JSON.parse(text) as { error: { message: string } }).error.message);
        }
        res.pipe(process.stdout);
        await new Promise((r) => res.on('end', r));
      }),
    );

  program
    .command('status')
    .description('Is the agent up, who is it logged in as, and how is each process of this PC doing')
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        // Like `tailscale status`: report a stopped daemon instead of starting one.
        const client = new LocalApiClient(loadAgentConfig().paths);
        if (!(await client.isUp())) {
          if (opts.json) printJson({ agent: null, session: null, processes: [] });
          else process.stdout.write('agent: not running (start it with `grid agent`; its processes keep running without it)\n');
          process.exitCode = 3;
          return;
        }
        const s = await client.call<AgentStatus>('GET', '/v1/status');
        if (opts.json) return printJson(s);
        process.stdout.write(`agent: up (pid ${s.agent.pid}, since ${s.agent.startedAt}, home ${s.agent.home})\n`);
        process.stdout.write(
          s.session
            ? `server: ${s.session.server}\nuser: ${s.session.user.username}, device ${s.session.device.name}\n`
            : `not logged in: ${s.sessionProblem ?? 'grid login --server URL'}\n`,
        );
        if (s.session && s.link) {
          const l = s.link;
          process.stdout.write(`link: ${l.state}${l.state === 'connected' ? `, ${l.openStreams} tunnel stream(s) open` : ''}${l.lastError && l.state !== 'connected' ? ` (${l.lastError})` : ''}\n`);
        }
        const ids = shortIds(s.processes.map((p) => p.id));
        const rows = s.processes.map((p, i) => [
          p.name,
          status(p.runtime.state),
          p.runtime.pid ? String(p.runtime.pid) : '-',
          p.runtime.startedAt && p.runtime.pid ? duration((Date.now() - Date.parse(p.runtime.startedAt)) / 1000) : '-',
          String(p.runtime.restarts),
          String(p.runtime.heartbeatsSent),
          // The column stays short; why a heartbeat failed goes in NOTE (when nothing more pressing is there).
          p.runtime.lastHeartbeat ? `${p.runtime.lastHeartbeat.ok ? 'ok' : 'failed'} ${ago(p.runtime.lastHeartbeat.at)}` : '-',
          p.runtime.message ??
            (p.runtime.lastHeartbeat && !p.runtime.lastHeartbeat.ok && p.runtime.lastHeartbeat.error
              ? p.runtime.lastHeartbeat.error
              : p.runtime.lastExit
                ? `last exit ${p.runtime.lastExit.signal ?? `code ${p.runtime.lastExit.code}`}`
                : ''),
          ids[i]!,
        ]);
        if (rows.length) process.stdout.write(`\n${table(['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'BEATS', 'LAST HEARTBEAT', 'NOTE', 'ID'], rows)}\n`);
      }),
    );
}

/** Commander's "unknown option" for `grid run`, with where a command's own options go. */
export function commandOptionHint(text: string): string {
  const m = /^error: unknown option '([^']+)'\n?$/.exec(text);
  return m ? `error: unknown option '${m[1]}' — if it is your command's, put -- before the command: grid run --grid G --name N -- COMMAND ${m[1]} …\n` : text;
}
