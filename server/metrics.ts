import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The sync server's Prometheus metrics, on a registry of its own (one per server instance). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  return {
    registry,
    sockets: new Gauge({ name: 'sync_sockets', help: 'Open WebSocket connections', registers }),
    rooms: new Gauge({ name: 'sync_rooms', help: 'Rooms loaded in memory', registers }),
    messagesIn: new Counter({ name: 'sync_messages_in_total', help: 'Frames received from clients', registers }),
    messagesOut: new Counter({ name: 'sync_messages_out_total', help: 'Frames sent to clients', registers }),
    bytesIn: new Counter({ name: 'sync_bytes_in_total', help: 'Bytes received from clients', registers }),
    bytesOut: new Counter({ name: 'sync_bytes_out_total', help: 'Bytes sent to clients', registers }),
    upgradesRefused: new Counter({ name: 'sync_upgrades_refused_total', help: 'HTTP upgrades refused', labelNames: ['status'] as const, registers }),
    authFailures: new Counter({ name: 'sync_auth_failures_total', help: 'Connections refused during auth', labelNames: ['reason'] as const, registers }),
    closes: new Counter({ name: 'sync_closes_total', help: 'Connections closed by the server', labelNames: ['code'] as const, registers }),
    persistBatchSeconds: new Histogram({
      name: 'sync_persist_batch_seconds',
      help: 'Time to write one batch of updates',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    persistFailures: new Counter({ name: 'sync_persist_failures_total', help: 'Failed database writes (retried)', registers }),
    roomLoadFailures: new Counter({ name: 'sync_room_load_failures_total', help: 'Rooms that could not be loaded', registers }),
    compactions: new Counter({ name: 'sync_compactions_total', help: 'Update-log compactions', registers }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
