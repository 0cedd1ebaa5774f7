import { AgentError } from '../errors.js';
import { matchRef, type Named, type RefMatch, shortIds } from './ref-match.js';

export interface ProcessCandidate extends Named {
  gridId: string;
  /** running, stopped … (this PC) or online, offline (the coordinator's view). */
  state: string;
  /** Up, or about to be again (a restart in backoff). */
  active: boolean;
}

/**
 * Which of the matches a command wants:
 * - `active`: it acts on a running process (stop, private);
 * - `prefer-active`: any will do, but a name shared with old, stopped ones means the active one (logs, restart, connect);
 * - `finished`: it acts on a stopped, exited or errored one (rm).
 */
export type Want = 'active' | 'prefer-active' | 'finished';

export interface ProcessScope {
  /** "on this PC", "in your grids" */
  where: string;
  /** The command that lists them with their ids. */
  list: string;
}

/** The one process `ref` names (id, name, or id prefix), or an error that says why not and what to type instead. */
export function pickProcess<T extends ProcessCandidate>(items: readonly T[], ref: string, want: Want, scope: ProcessScope): T {
  const m = matchRef(items, ref);
  if (m.items.length === 0) {
    throw new AgentError('process_not_found', `no ${want === 'active' ? 'running ' : ''}process called '${ref}' ${scope.where} (see \`${scope.list}\`)`);
  }
  const active = m.items.filter((p) => p.active);
  const finished = m.items.filter((p) => !p.active);
  if (want === 'active') {
    if (active.length === 0) throw notRunning(finished, ref, scope);
    return one(active, m, ref, scope);
  }
  if (want === 'finished') {
    if (finished.length === 0) throw stillRunning(active, ref);
    return one(finished, m, ref, scope);
  }
  return one(active.length > 0 ? active : finished, m, ref, scope);
}

function one<T extends ProcessCandidate>(pool: T[], m: RefMatch<T>, ref: string, scope: ProcessScope): T {
  if (pool.length === 1) return pool[0]!;
  const ids = shortIds(pool.map((p) => p.id));
  const sameState = new Set(pool.map((p) => p.state)).size === 1;
  const list = pool.map((p, i) => (sameState ? ids[i] : `${ids[i]} (${p.state})`)).join(', ');
  if (m.by === 'prefix') {
    const named = pool.map((p, i) => `${ids[i]} (${p.name}, ${p.state})`).join(', ');
    throw new AgentError('process_ambiguous', `'${ref}' is the start of ${pool.length} process ids: ${named}; type more of the id`);
  }
  const head = sameState ? `${pool.length} ${pool[0]!.state} processes are called '${ref}'` : `${pool.length} processes are called '${ref}' (${countStates(pool)})`;
  // --grid only helps when each of them is in a grid of its own.
  const eachInOwnGrid = new Set(pool.map((p) => p.gridId)).size === pool.length;
  const hint = eachInOwnGrid ? `use --grid or the id (see \`${scope.list}\`)` : `use the id shown by \`${scope.list}\``;
  throw new AgentError('process_ambiguous', `${head}; ${hint}: ${list}`);
}

function notRunning(finished: ProcessCandidate[], ref: string, scope: ProcessScope): AgentError {
  if (finished.length === 1) {
    const p = finished[0]!;
    return new AgentError('process_not_found', `'${p.name}' (${shortIds([p.id])[0]}) is not running: it is ${p.state}`);
  }
  const states = new Set(finished.map((p) => p.state)).size === 1 ? finished[0]!.state : `not running (${countStates(finished)})`;
  return new AgentError('process_not_found', `no running process called '${ref}' ${scope.where}; the ${finished.length} by that name are ${states}`);
}

function stillRunning(active: ProcessCandidate[], ref: string): AgentError {
  if (active.length === 1) {
    const p = active[0]!;
    return new AgentError('process_running', `'${p.name}' is still ${p.state === 'backoff' ? 'restarting' : 'running'}; stop it first (grid stop ${ref}), then remove it`);
  }
  return new AgentError('process_running', `every process called '${ref}' is running (${active.length}); stop one first, then remove it`);
}

/** "1 running, 2 stopped" */
function countStates(items: readonly ProcessCandidate[]): string {
  const counts = new Map<string, number>();
  for (const p of items) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}
