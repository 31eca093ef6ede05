import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The sync server's Prometheus metrics, on a registry of its own (one per server instance). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  /**
   * Per-frame counts, kept as plain numbers and read when /metrics is scraped: a big room sends
   * tens of thousands of frames a second, and a prom-client inc() per frame is measurable there.
   */
  const traffic = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 }
  const trafficCounter = (name: string, help: string, field: keyof typeof traffic) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset()
        this.inc(traffic[field])
      },
    })
  return {
    registry,
    sockets: new Gauge({ name: 'sync_sockets', help: 'Open WebSocket connections', registers }),
    rooms: new Gauge({ name: 'sync_rooms', help: 'Rooms loaded in memory', registers }),
    traffic,
    messagesIn: trafficCounter('sync_messages_in_total', 'Frames received from clients', 'messagesIn'),
    messagesOut: trafficCounter('sync_messages_out_total', 'Frames sent to clients', 'messagesOut'),
    bytesIn: trafficCounter('sync_bytes_in_total', 'Bytes received from clients', 'bytesIn'),
    bytesOut: trafficCounter('sync_bytes_out_total', 'Bytes sent to clients', 'bytesOut'),
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
    internalErrors: new Counter({ name: 'sync_internal_errors_total', help: 'Connections closed with 1011 by an unexpected server error (logged)', registers }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
