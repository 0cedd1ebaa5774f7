import envPaths from 'env-paths';
import { join } from 'node:path';

/** Where the agent keeps its files. GRID_HOME puts all of them in one folder (tests, portable installs). */
export interface AgentPaths {
  home: string;
  /** server URL, user and device (no secrets) */
  config: string;
  /** the bearer token, mode 0600 */
  token: string;
  /** declared processes and their runtime state */
  state: string;
  /** the local API, mode 0600 */
  socket: string;
  /** the daemon's own log */
  agentLog: string;
  /** one output log per process */
  logsDir: string;
  /** exit codes written by the wrapper, even while the agent is down */
  exitsDir: string;
}

export function agentPaths(env: Readonly<Record<string, string | undefined>> = process.env): AgentPaths {
  const home = env.GRID_HOME?.trim();
  const p = envPaths('gridshare', { suffix: '' });
  const configDir = home || p.config;
  const stateDir = home || join(p.data, 'agent');
  return {
    home: home || stateDir,
    config: join(configDir, 'config.json'),
    token: join(configDir, 'token'),
    state: join(stateDir, 'state.json'),
    socket: join(stateDir, 'agent.sock'),
    agentLog: join(stateDir, 'agent.log'),
    logsDir: join(stateDir, 'logs'),
    exitsDir: join(stateDir, 'exits'),
  };
}
