/**
 * Crashes, outages and churn against the real server process (docs/reliability.md).
 * Long modes: RELIABILITY_LOAD_SECONDS (default 30; 120 for the documented figure),
 * CONVERGENCE_ROUNDS (default 6), CONVERGENCE_SEED.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { startTestProcess, useTempDatabase, type StartedTestProcess, type TestDatabase } from './testing/fixture.ts'
import { seededRandom } from './testing/random.ts'
import {
  authedRawClient,
  freePort,
  makeDatabaseUnavailable,
  boardRecords,
  shape,
  storedDoc,
  scrapeMetrics,
  tokenFor,
  waitUntil,
  type ProviderClient,
  type RawClient,
} from './testing/support.ts'

const LOAD_SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 30)
const CONVERGENCE_ROUNDS = Number(process.env.CONVERGENCE_ROUNDS ?? 6)
const CONVERGENCE_SEED = Number(process.env.CONVERGENCE_SEED ?? 42)

/** The production bundle over `database` on `port`, persisting every 200 ms; killed when the test finishes. */
const serve = (database: TestDatabase, port: number, env: Record<string, string> = {}): Promise<StartedTestProcess> =>
  startTestProcess(database, { SYNC_PORT: String(port), PERSIST_INTERVAL_MS: '200', ...env })

async function storedRecords(database: TestDatabase, room: string): Promise<Record<string, unknown>> {
  return boardRecords(await storedDoc(database.url, room)).toJSON()
}

/** CPU seconds and RSS of a process, from /proc. */
function processUsage(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const ticks = Number(stat[11]) + Number(stat[12])
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return { cpuSeconds: ticks / 100, rssMiB: rss / 1024 }
}

const records = (client: ProviderClient) => boardRecords(client.doc)

describe('crashes and outages', () => {
  it('SIGKILL while 20 clients edit: everyone reconnects and every edit is everywhere, database included', async () => {
    const database = await useTempDatabase()
    const port = await freePort()
    const first = await serve(database, port)
    const group = Array.from({ length: 20 }, (_, i) => first.connect('crash20', { sub: `u${i}` }))
    await waitUntil(() => group.every((c) => c.provider.synced), 'all synced')
    let n = 0
    const written = new Set<string>()
    const edit = () => {
      const client = group[n % group.length]
      const key = `shape:${n++}`
      records(client).set(key, shape(key, { by: client.doc.clientID }))
      written.add(key)
    }
    const editing = setInterval(() => {
      for (let i = 0; i < 5; i++) edit()
    }, 10)
    await waitUntil(() => n >= 300, 'edits before the crash')
    await first.kill()
    await waitUntil(() => n >= 600, 'edits while the server is down')
    await serve(database, port)
    await waitUntil(() => group.every((c) => c.provider.synced && c.provider.wsconnected), 'all reconnected', 20_000)
    await waitUntil(() => n >= 900, 'edits after the restart')
    clearInterval(editing)
    await waitUntil(() => group.every((c) => records(c).size === written.size), 'every client has every edit', 20_000)
    await waitUntil(async () => Object.keys(await storedRecords(database, 'crash20')).length === written.size, 'database has every edit', 20_000)
    const reference = records(group[0]).toJSON()
    for (const client of group) expect(records(client).toJSON()).toEqual(reference)
    expect(await storedRecords(database, 'crash20')).toEqual(reference)
  })

  it('the database unavailable for 10 s: rooms keep working, /healthz 503, writes retried, nothing lost or doubled', async () => {
    const database = await useTempDatabase()
    const port = await freePort()
    const proc = await serve(database, port)
    const a = proc.connect('outage', { sub: 'a' })
    const b = proc.connect('outage', { sub: 'b' })
    await waitUntil(() => a.provider.synced && b.provider.synced, 'synced')
    // SQLite: another process holds the write lock; PostgreSQL: the database refuses connections.
    const restore = await makeDatabaseUnavailable(database.url)
    const outageStarted = Date.now()
    let i = 0
    const editing = setInterval(() => {
      const key = `shape:${i}`
      records(i % 2 ? a : b).set(key, shape(key, { i }))
      i++
    }, 50)
    await waitUntil(() => records(a).size > 20 && records(b).size === records(a).size, 'edits relayed during the outage', 15_000)
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 503, 'healthz 503', 15_000)
    await waitUntil(() => Date.now() - outageStarted >= 10_000, 'ten seconds of outage', 15_000)
    clearInterval(editing)
    await restore()
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 'healthz 200 again', 30_000)
    await waitUntil(async () => Object.keys(await storedRecords(database, 'outage')).length === i, 'every edit stored', 30_000)
    expect(await storedRecords(database, 'outage')).toEqual(records(a).toJSON())
    expect(records(b).toJSON()).toEqual(records(a).toJSON())
  }, 60_000)

  it(`seeded convergence fuzz: 5 clients, random edits, disconnects and server restarts (seed ${CONVERGENCE_SEED})`, async () => {
    const database = await useTempDatabase()
    const { next: random } = seededRandom(CONVERGENCE_SEED)
    const port = await freePort()
    let server = await serve(database, port)
    const group = Array.from({ length: 5 }, (_, i) => server.connect('fuzzroom', { sub: `u${i}` }))
    await waitUntil(() => group.every((c) => c.provider.synced), 'all synced')
    for (let round = 0; round < CONVERGENCE_ROUNDS; round++) {
      for (let step = 0; step < 40; step++) {
        const client = group[Math.floor(random() * group.length)]
        const map = records(client)
        const keys = Array.from(map.keys())
        const action = random()
        if (action < 0.5 || keys.length === 0) map.set(`shape:${round}-${step}`, shape(`shape:${round}-${step}`, { x: Math.floor(random() * 1000) }))
        else if (action < 0.8) {
          const key = keys[Math.floor(random() * keys.length)]
          map.set(key, shape(key, { x: Math.floor(random() * 1000), moved: true }))
        }
        else map.delete(keys[Math.floor(random() * keys.length)])
        if (random() < 0.05) client.provider.disconnect()
        if (random() < 0.1 && !client.provider.shouldConnect) client.provider.connect()
        if (step % 10 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      if (random() < 0.5) {
        await server.kill()
        server = await serve(database, port)
      }
    }
    for (const client of group) if (!client.provider.shouldConnect) client.provider.connect()
    await waitUntil(() => group.every((c) => c.provider.synced && c.provider.wsconnected), 'all connected', 20_000)
    await waitUntil(
      () => group.every((c) => JSON.stringify(records(c).toJSON(), Object.keys(records(c).toJSON()).sort()) === JSON.stringify(records(group[0]).toJSON(), Object.keys(records(group[0]).toJSON()).sort())),
      'clients identical',
      20_000,
    )
    const reference = records(group[0]).toJSON()
    await waitUntil(async () => JSON.stringify(Object.entries(await storedRecords(database, 'fuzzroom')).sort()) === JSON.stringify(Object.entries(reference).sort()), 'stored document identical', 20_000)
    for (const client of group) expect(records(client).toJSON()).toEqual(reference)
  }, 120_000)
})

describe('churn and load', () => {
  it('a reconnect storm of thousands of cycles leaves no leak and no ghost presence', async () => {
    const database = await useTempDatabase()
    const port = await freePort()
    const proc = await serve(database, port, { MAX_SOCKETS_PER_IP: '10000' })
    const watcher = proc.connect('storm-0', { sub: 'watcher' })
    await waitUntil(() => watcher.provider.synced, 'watcher synced')
    const cycle = async (i: number) => {
      const room = `storm-${i % 20}`
      const client = await authedRawClient(proc.url, room, await tokenFor(room, { sub: `churn-${i}` }))
      client.ws.close()
      await client.closed
    }
    for (let i = 0; i < 200; i++) await cycle(i)
    const CYCLES = 3000
    const round = async (offset: number) => {
      for (let start = 0; start < CYCLES; start += 100) await Promise.all(Array.from({ length: 100 }, (_, i) => cycle(offset + start + i)))
      await waitUntil(() => watcher.lastPresence()?.peers.length === 1, 'only the watcher is present')
      return processUsage(proc.child.pid!).rssMiB
    }
    const baseline = processUsage(proc.child.pid!).rssMiB
    // The first round lets V8 grow its heap to its working size; a leak keeps growing in the second.
    const afterFirst = await round(0)
    const afterSecond = await round(CYCLES)
    const metrics = await scrapeMetrics(proc)
    expect(metrics).toMatch(/^sync_sockets 1$/m)
    expect(metrics).toMatch(/^sync_rooms 1$/m)
    console.warn(`reconnect storm: 2 × ${CYCLES} cycles, RSS ${baseline.toFixed(0)} → ${afterFirst.toFixed(0)} → ${afterSecond.toFixed(0)} MiB`)
    expect(afterSecond - afterFirst).toBeLessThan(32)
  }, 120_000)

  it(`holds 2,000 authenticated sockets across 200 rooms with heartbeats for ${LOAD_SECONDS} s with zero errors`, async () => {
    const database = await useTempDatabase()
    const port = await freePort()
    const proc = await serve(database, port, { MAX_SOCKETS_PER_IP: '5000', CONNECTIONS_PER_SEC_PER_IP: '100000', HEARTBEAT_MS: '2000' })
    const sockets: RawClient[] = []
    try {
      for (let start = 0; start < 2000; start += 100) {
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: 100 }, async (_, i) => {
              const room = `load-${(start + i) % 200}`
              return authedRawClient(proc.url, room, await tokenFor(room, { sub: `load-${start + i}` }))
            }),
          )),
        )
      }
      const before = processUsage(proc.child.pid!)
      const started = Date.now()
      let peakRss = before.rssMiB
      await waitUntil(() => {
        peakRss = Math.max(peakRss, processUsage(proc.child.pid!).rssMiB)
        return Date.now() - started >= LOAD_SECONDS * 1000
      }, 'load window', LOAD_SECONDS * 1000 + 5_000)
      const after = processUsage(proc.child.pid!)
      const open = sockets.filter((s) => s.ws.readyState === s.ws.OPEN).length
      const presences = sockets[0].controls().filter((m) => m.type === 'presence').length
      console.warn(
        `load: 2000 sockets / 200 rooms for ${LOAD_SECONDS} s: open ${open}, CPU ${(after.cpuSeconds - before.cpuSeconds).toFixed(2)} s, peak RSS ${peakRss.toFixed(0)} MiB, presence frames per socket ${presences}`,
      )
      expect(open).toBe(2000)
      expect(presences).toBeGreaterThanOrEqual(Math.floor(LOAD_SECONDS / 1) - 2)
    } finally {
      for (const socket of sockets) socket.ws.terminate()
    }
  }, 300_000)
})
