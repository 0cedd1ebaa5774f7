import type { GridClient, GridSummary } from '@gridshare/protocol';
import { AgentError, fromApiError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A grid named by id, or by name where exactly one of my grids has it (case-insensitive). */
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
  if (UUID.test(ref)) {
    const byId = grids.find((g) => g.id === ref.toLowerCase());
    if (byId) return byId;
  }
  const byName = grids.filter((g) => g.name.toLowerCase() === ref.trim().toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new AgentError('grid_ambiguous', `${byName.length} of your grids are called '${ref}'; use the id: ${byName.map((g) => g.id).join(', ')}`);
  }
  throw new AgentError('grid_not_found', `you are in no grid called '${ref}' (see \`grid grids\`)`);
}

/** One item named by id or unambiguous name, with a clear error otherwise. */
export function pickByRef<T extends { id: string; name: string }>(items: T[], ref: string, what: string): T {
  const byId = items.find((i) => i.id === ref.toLowerCase());
  if (byId) return byId;
  const byName = items.filter((i) => i.name.toLowerCase() === ref.trim().toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new AgentError('process_ambiguous', `${byName.length} ${what}es are called '${ref}'; use --grid or the id: ${byName.map((i) => i.id).join(', ')}`);
  }
  throw new AgentError('process_not_found', `no ${what} called '${ref}'`);
}
