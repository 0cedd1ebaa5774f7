import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProcessStatus } from '@gridshare/protocol';
import type { RelayStats } from './realtime/relay-policy.js';

/** One registry per coordinator instance (tests run several in one process). */
export interface Metrics {
  registry: Registry;
  heartbeats: Counter;
  expiries: Counter;
  transitions: Counter<'to'>;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  flushDuration: Histogram;
}

export function createMetrics(countByStatus: () => Promise<Record<ProcessStatus, number>>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'grid_' });
  new Gauge({
    name: 'grid_processes',
    help: 'Processes by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await countByStatus();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  return {
    registry,
    heartbeats: new Counter({ name: 'grid_heartbeats_received_total', help: 'Heartbeats accepted.', registers: [registry] }),
    expiries: new Counter({
      name: 'grid_process_expiries_total',
      help: 'Processes marked offline because their heartbeats stopped.',
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'grid_process_transitions_total',
      help: 'Process state transitions, by new status.',
      labelNames: ['to'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'grid_http_request_duration_seconds',
      help: 'HTTP request latency.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    flushDuration: new Histogram({
      name: 'grid_heartbeat_flush_duration_seconds',
      help: 'Time to write one batch of coalesced heartbeats.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

/** Tunnel relay figures, read when Prometheus scrapes: counts since start are counters, the rest gauges. */
export function registerTunnelMetrics(registry: Registry, stats: () => RelayStats): void {
  const gauges: Array<[string, string, (s: RelayStats) => number]> = [
    ['grid_tunnel_links', 'Agent links connected to this coordinator.', (s) => s.links],
    ['grid_tunnel_streams', 'Tunnel streams open through this coordinator.', (s) => s.openStreams],
    ['grid_tunnel_in_flight_high_water_bytes', 'The most bytes one stream had in flight here (at most the window).', (s) => s.inFlightHighWater],
    ['grid_tunnel_link_buffered_high_water_bytes', "The most bytes one link's socket held unsent.", (s) => s.linkBufferedHighWater],
  ];
  const counters: Array<[string, string, (s: RelayStats) => number]> = [
    ['grid_tunnel_streams_opened_total', 'Tunnel streams opened since start.', (s) => s.streamsOpened],
    ['grid_tunnel_streams_refused_total', 'Tunnel stream opens refused since start.', (s) => s.refused],
    ['grid_tunnel_bytes_in_total', 'Bytes relayed toward processes since start.', (s) => s.bytesIn],
    ['grid_tunnel_bytes_out_total', 'Bytes relayed from processes since start.', (s) => s.bytesOut],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(stats()));
      },
    });
  }
  for (const [name, help, read] of counters) {
    new Counter({
      name,
      help,
      registers: [registry],
      // The relay counts; the counter shows its count (it only ever grows while this coordinator runs).
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  }
}
