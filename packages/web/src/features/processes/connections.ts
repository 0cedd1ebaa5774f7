import type { Connection, Process, Role } from '@gridshare/protocol';
import { formatDuration } from './format.js';

/**
 * Who may see and close a process's connections: its host (from any device)
 * and the grid's owner and admins. The coordinator answers anyone else 403, so
 * the page does not ask for them.
 */
export function canSeeConnections(p: Process, userId: string, role: Role | undefined): boolean {
  return p.hostUserId === userId || role === 'owner' || role === 'admin';
}

const REASONS: Record<string, string> = {
  closed: 'closed normally by both sides',
  closed_by_host: 'closed by the host or an admin',
  reset: 'reset by the client or the process',
  idle_timeout: 'closed after being idle too long',
  access_revoked: 'the guest left or was removed from the grid',
  link_lost: 'an agent lost its link to the server',
  process_stopped: 'the process stopped',
  process_offline: 'the process went offline',
  process_private: 'the process became private',
  process_not_found: 'the process was not found',
  port_not_declared: 'the port is not one the process shares',
  host_unreachable: 'the host’s agent could not be reached',
  dial_failed: 'nothing answered on the port on the host',
  too_many_streams: 'too many connections at once',
  protocol_error: 'a broken protocol rule',
  shutting_down: 'the server was shutting down',
  open_timeout: 'the host did not answer in time',
  unavailable: 'the server could not record it',
};

/** A connection's close reason in words; codes this app does not know yet still read. */
export function closeReasonText(reason: string | null): string | null {
  if (!reason) return null;
  return REASONS[reason] ?? reason.replace(/_/g, ' ');
}

/** How long a closed connection lasted; null while it is open. */
export function connectionDuration(c: Connection): string | null {
  if (!c.closedAt) return null;
  return formatDuration((Date.parse(c.closedAt) - Date.parse(c.openedAt)) / 1000);
}
