/** @jsxRuntime automatic */
import type { Process } from '@gridshare/protocol';
import type { ReactNode } from 'react';
import { formatBytes, formatPercent } from './format.js';

/** What the host's agent last reported: CPU, memory, ports, and a Minecraft server's own status. */
export function ProcessHealth({ process: p }: { process: Process }) {
  const h = p.health;
  // Only while online: an offline process's last report (players, open ports) is no longer true.
  if (!h || p.status !== 'online') return null;
  const ports = h.ports ?? [];
  const mc = h.minecraft;
  const items: ReactNode[] = [];
  if (h.cpuPercent !== undefined) items.push(<Item key="cpu" term="CPU">{formatPercent(h.cpuPercent)}</Item>);
  if (h.rssBytes !== undefined) items.push(<Item key="memory" term="Memory">{formatBytes(h.rssBytes)}</Item>);
  if (ports.length > 0) {
    items.push(
      <Item key="ports" term="Ports" className="port-list">
        {ports.map((port) => (
          <span key={port.port} className={`port ${port.open ? 'port-open' : 'port-closed'}`}>
            {port.port} {port.open ? 'open' : 'closed'}
          </span>
        ))}
      </Item>,
    );
  }
  if (mc?.reachable) {
    items.push(
      <Item key="players" term="Players">
        {mc.playersOnline ?? '?'}/{mc.playersMax ?? '?'}
        {mc.sample && mc.sample.length > 0 && <span className="muted"> ({mc.sample.join(', ')})</span>}
      </Item>,
    );
    if (mc.motd) {
      items.push(
        <Item key="motd" term="MOTD" className="motd" wide>
          {mc.motd}
        </Item>,
      );
    }
    if (mc.version) items.push(<Item key="version" term="Version">{mc.version}</Item>);
  } else if (mc) {
    items.push(
      <Item key="minecraft" term="Minecraft" className="health-bad" wide>
        not answering{mc.error ? `: ${mc.error}` : ''}
      </Item>,
    );
  }
  // A report with nothing shown here (only "alive", a pid, an uptime the card shows itself) draws no empty band.
  if (items.length === 0) return null;
  return <dl className="health">{items}</dl>;
}

function Item({ term, className, wide = false, children }: { term: string; className?: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={wide ? 'health-item health-wide' : 'health-item'}>
      <dt>{term}</dt>
      <dd className={className}>{children}</dd>
    </div>
  );
}
