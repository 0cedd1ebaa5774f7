import type { GridClient, LocalConnectionsResponse, LocalProcess } from '@gridshare/protocol';
import { fromApiError } from '../errors.js';

/**
 * The coordinator's records of connections to processes of this PC. With one
 * process named, its errors are the answer; across all of them, a process the
 * coordinator no longer knows is skipped.
 */
export async function listConnections(client: GridClient, processes: LocalProcess[], openOnly: boolean, strict: boolean): Promise<LocalConnectionsResponse> {
  const lists = await Promise.all(
    processes.map(async (p) => {
      try {
        const { connections } = await client.listConnections(p.gridId, p.id, { state: openOnly ? 'open' : 'all' });
        return connections.map((connection) => ({ processName: p.name, connection }));
      } catch (err) {
        if (strict) throw fromApiError(err);
        return [];
      }
    }),
  );
  const rows = lists.flat().sort((a, b) => b.connection.openedAt.localeCompare(a.connection.openedAt));
  return { connections: rows };
}

export async function closeConnections(client: GridClient, p: LocalProcess, connectionId: string | undefined): Promise<{ closed: number }> {
  try {
    if (!connectionId) return await client.closeConnections(p.gridId, p.id);
    await client.closeConnection(p.gridId, p.id, connectionId);
    return { closed: 1 };
  } catch (err) {
    throw fromApiError(err);
  }
}
