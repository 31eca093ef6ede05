/**
 * Latency benchmark for one room: by default 20 clients, 2 writers at 20 updates/s each, one
 * sync server on SQLite. Reports the median and p99 time from a writer's send to the arrival at
 * every other client, and persist batches per second.
 *
 *   npm run bench:sync [-- --seconds 10 --clients 20 --writers 2 --rate 20]
 *   npm run bench:sync -- --instances 3 --clients 200 --writers 5 --rate 10   (needs PostgreSQL and Redis)
 *
 * With --instances N the servers share a fresh PostgreSQL database and Redis, and the clients
 * are spread over the instances in turn.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { signRoomToken } from '../lib/token.ts'
import { startCluster } from '../server/tools/cluster.ts'
import { BenchClient } from './client.ts'
import { waitFor } from './stats.ts'

const SECRET = 'bench-secret-0123456789abcdef0123456789'
const ROOT = path.resolve(import.meta.dirname, '..')
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index > 0 ? Number(process.argv[index + 1]) : fallback
}

const seconds = option('seconds', 10)
const CLIENTS = option('clients', 20)
const WRITERS = option('writers', 2)
const RATE = option('rate', 20)
const INSTANCES = option('instances', 1)

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Persist batches so far, summed over the instances' metrics ports. */
async function persistBatches(metricsPorts: number[]): Promise<number> {
  let total = 0
  for (const port of metricsPorts) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    total += Number(/^sync_persist_batch_seconds_count (\d+)/m.exec(text)?.[1] ?? 0)
  }
  return total
}

/** A fresh PostgreSQL database for a multi-instance run; returns its URL and a drop function. */
async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `wb_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  return {
    url: POSTGRES_ADMIN_URL.replace(/\/postgres$/, `/${name}`),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-bench-'))
  const postgres = INSTANCES > 1 ? await freshPostgres() : null
  const cluster = await startCluster(INSTANCES, 0, '127.0.0.1', {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    AUTH_SECRET: SECRET,
    DATABASE_URL: postgres ? postgres.url : `file:${dir}/bench.db`,
    ...(postgres ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` } : {}),
    MAX_SOCKETS_PER_IP: '100000',
    CONNECTIONS_PER_SEC_PER_IP: '100000',
    MAX_PEERS_PER_ROOM: '100000',
  })
  const ports = cluster.instances.map((instance) => instance.port)
  const metricsPorts = cluster.instances.map((instance) => instance.metricsPort)
  try {
    const latencies: number[] = []
    const clients: BenchClient[] = []
    for (let start = 0; start < CLIENTS; start += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, CLIENTS - start) }, async (_, j) => {
          const i = start + j
          const token = await signRoomToken({ sub: `bench-${i}`, name: `Bench ${i}`, room: 'bench', scope: 'edit' }, SECRET)
          const client = new BenchClient({
            url: `ws://127.0.0.1:${ports[i % ports.length]}`,
            room: 'bench',
            token,
            observe: i >= WRITERS,
            onLatency: (ms) => latencies.push(ms),
          })
          await client.ready
          return client
        }),
      )
      clients.push(...batch)
    }
    const batchesBefore = await persistBatches(metricsPorts)
    const started = Date.now()
    let sent = 0
    const writers = clients.slice(0, WRITERS).map((writer, w) => setInterval(() => writer.writeShape(`shape:w${w}-${sent}`, sent++), 1000 / RATE))
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    writers.forEach(clearInterval)
    const expected = sent * (CLIENTS - WRITERS)
    await waitFor(() => latencies.length >= expected, 10_000)
    const elapsed = (Date.now() - started) / 1000
    const batches = (await persistBatches(metricsPorts)) - batchesBefore
    const sorted = [...latencies].sort((a, b) => a - b)
    const result = {
      scenario: `1 room × ${CLIENTS} clients over ${INSTANCES} instance(s), ${WRITERS} writers × ${RATE} upd/s, ${seconds} s`,
      updatesSent: sent,
      deliveriesExpected: expected,
      deliveriesMeasured: latencies.length,
      latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) },
      persistBatchesPerSecond: batches / elapsed,
      at: new Date().toISOString(),
    }
    console.warn(JSON.stringify(result, null, 2))
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true })
    const name = `sync-latency-${CLIENTS}c-${INSTANCES}i.json`
    writeFileSync(path.join(ROOT, 'bench/results', name), `${JSON.stringify(result, null, 2)}\n`)
    for (const client of clients) client.close()
    if (latencies.length < expected) process.exitCode = 1
  } finally {
    await cluster.stop()
    await postgres?.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

void main()
