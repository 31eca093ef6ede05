/**
 * Small latency benchmark for the sync server (issue 2's figure): one room with 20 clients,
 * 2 writers at 20 updates/s each. Reports the median and p99 time from a writer's send to the
 * arrival at every other client, and persist batches per second.
 *
 *   npm run bench:sync [-- --seconds 10]
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { signRoomToken } from '../lib/token.ts'
import { BenchClient } from './client.ts'

const SECRET = 'bench-secret-0123456789abcdef0123456789'
const ROOT = path.resolve(import.meta.dirname, '..')
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10
const CLIENTS = 20
const WRITERS = 2
const RATE = 20

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

async function persistBatches(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return Number(/^sync_persist_batch_seconds_count (\d+)/m.exec(text)?.[1] ?? 0)
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-bench-'))
  const port = await freePort()
  const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href
  const server = spawn(process.execPath, ['--import', loader, path.join(ROOT, 'server/index.ts')], {
    cwd: dir,
    env: { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH, AUTH_SECRET: SECRET, SYNC_PORT: String(port), DATABASE_URL: `file:${dir}/bench.db`, MAX_SOCKETS_PER_IP: '10000', LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  })
  try {
    const deadline = Date.now() + 20_000
    while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok).catch(() => false))) {
      if (Date.now() > deadline) throw new Error('server did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const latencies: number[] = []
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const token = await signRoomToken({ sub: `bench-${i}`, name: `Bench ${i}`, room: 'bench', scope: 'edit' }, SECRET)
        const client = new BenchClient({ url: `ws://127.0.0.1:${port}`, room: 'bench', token, observe: i >= WRITERS, onLatency: (ms) => latencies.push(ms) })
        await client.ready
        return client
      }),
    )
    const batchesBefore = await persistBatches(port)
    const started = Date.now()
    let sent = 0
    const writers = clients.slice(0, WRITERS).map((writer, w) =>
      setInterval(() => writer.writeShape(`shape:w${w}-${sent}`, sent++), 1000 / RATE),
    )
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    writers.forEach(clearInterval)
    const expected = sent * (CLIENTS - WRITERS)
    const drainDeadline = Date.now() + 5_000
    while (latencies.length < expected && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 20))
    const elapsed = (Date.now() - started) / 1000
    const batches = (await persistBatches(port)) - batchesBefore
    const sorted = [...latencies].sort((a, b) => a - b)
    const result = {
      scenario: `1 room × ${CLIENTS} clients, ${WRITERS} writers × ${RATE} upd/s, ${seconds} s`,
      updatesSent: sent,
      deliveriesExpected: expected,
      deliveriesMeasured: latencies.length,
      latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) },
      persistBatchesPerSecond: batches / elapsed,
      at: new Date().toISOString(),
    }
    console.warn(JSON.stringify(result, null, 2))
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true })
    writeFileSync(path.join(ROOT, 'bench/results/sync-latency.json'), `${JSON.stringify(result, null, 2)}\n`)
    for (const client of clients) client.close()
    if (latencies.length < expected) process.exitCode = 1
  } finally {
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

void main()
