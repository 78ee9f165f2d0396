import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A node's Prometheus metrics (served at /metrics): the process, its HTTP requests and its ledger submissions. */
export interface NodeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly ledgerTx: Counter<'operation' | 'outcome'>;
}

/** A registry of its own per app: two nodes in one process (tests, `npm start`) count apart. */
export function createNodeMetrics(): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'tallystick_http_requests_total',
    help: 'HTTP requests',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tallystick_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const ledgerTx = new Counter({
    name: 'tallystick_ledger_transactions_total',
    help: 'Ledger transactions submitted by this node',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  return { registry, requests, duration, ledgerTx };
}
