import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProcessStatus } from '@gridshare/protocol';

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
