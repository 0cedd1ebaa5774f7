/** @jsxRuntime automatic */
import type { Process } from '@gridshare/protocol';
import { formatBytes, formatPercent } from './format.js';

/** What the host's agent last reported: CPU, memory, ports, and a Minecraft server's own status. */
export function ProcessHealth({ process: p }: { process: Process }) {
  const h = p.health;
  // Only while online: an offline process's last report (players, open ports) is no longer true.
  if (!h || p.status !== 'online') return null;
  const ports = h.ports ?? [];
  const mc = h.minecraft;
  return (
    <dl className="health">
      {h.cpuPercent !== undefined && (
        <div className="health-item">
          <dt>CPU</dt>
          <dd>{formatPercent(h.cpuPercent)}</dd>
        </div>
      )}
      {h.rssBytes !== undefined && (
        <div className="health-item">
          <dt>Memory</dt>
          <dd>{formatBytes(h.rssBytes)}</dd>
        </div>
      )}
      {ports.length > 0 && (
        <div className="health-item">
          <dt>Ports</dt>
          <dd className="port-list">
            {ports.map((port) => (
              <span key={port.port} className={`port ${port.open ? 'port-open' : 'port-closed'}`}>
                {port.port} {port.open ? 'open' : 'closed'}
              </span>
            ))}
          </dd>
        </div>
      )}
      {mc && mc.reachable && (
        <div className="health-item">
          <dt>Players</dt>
          <dd>
            {mc.playersOnline ?? '?'}/{mc.playersMax ?? '?'}
            {mc.sample && mc.sample.length > 0 && <span className="muted"> ({mc.sample.join(', ')})</span>}
          </dd>
        </div>
      )}
      {mc && mc.reachable && mc.motd && (
        <div className="health-item health-wide">
          <dt>MOTD</dt>
          <dd className="motd">{mc.motd}</dd>
        </div>
      )}
      {mc && mc.reachable && mc.version && (
        <div className="health-item">
          <dt>Version</dt>
          <dd>{mc.version}</dd>
        </div>
      )}
      {mc && !mc.reachable && (
        <div className="health-item health-wide">
          <dt>Minecraft</dt>
          <dd className="health-bad">not answering{mc.error ? `: ${mc.error}` : ''}</dd>
        </div>
      )}
    </dl>
  );
}
