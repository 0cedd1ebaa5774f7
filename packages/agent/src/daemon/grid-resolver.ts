import type { GridClient, GridSummary } from '@gridshare/protocol';
import { AgentError, fromApiError } from '../errors.js';
import { matchRef } from './ref-match.js';

/** A grid named by id, by name where exactly one of my grids has it (case-insensitive), or by a unique id prefix. */
export async function resolveGrid(client: GridClient, ref: string): Promise<GridSummary> {
  let grids: GridSummary[];
  try {
    grids = (await client.listGrids()).grids;
  } catch (err) {
    throw fromApiError(err);
  }
  return pickGrid(grids, ref);
}

export function pickGrid(grids: GridSummary[], ref: string): GridSummary {
  const m = matchRef(grids, ref);
  if (m.items.length === 1) return m.items[0]!;
  if (m.items.length === 0) throw new AgentError('grid_not_found', `you are in no grid called '${ref}' (see \`grid grids\`)`);
  const list = m.items.map((g) => `${g.id} (${g.name})`).join(', ');
  if (m.by === 'prefix') throw new AgentError('grid_ambiguous', `'${ref}' is the start of ${m.items.length} grid ids: ${list}; type more of the id`);
  throw new AgentError('grid_ambiguous', `${m.items.length} of your grids are called '${ref}'; use the id: ${m.items.map((g) => g.id).join(', ')}`);
}
