/**
 * Scale-out: several real sync-server processes on one PostgreSQL database, fanned out through
 * Redis (127.0.0.1:6379, or a private redis-server for the outage test), one room across them.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startCluster, type Cluster } from '../tools/cluster.ts'
import { POSTGRES_MIGRATIONS_DIR, readMigrations } from '../../lib/db/migrate.ts'
import { startTestProcess, testClients, useTempDatabase } from '../testing/fixture.ts'
import { TEST_ORIGIN, TEST_SECRET, boardRecords, freePort, shape, storedDoc, tokenFor, waitUntil, type ProviderClient } from '../testing/support.ts'
import { Close } from '../../lib/protocol.ts'
import { signInternalToken } from '../../lib/token.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const HEARTBEAT_MS = 1_000

/** Every test here needs PostgreSQL: the instances share one database. */
const database = () => useTempDatabase('postgresql')

function clusterEnv(databaseUrl: string, redisUrl = REDIS_URL, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    AUTH_SECRET: TEST_SECRET,
    ALLOWED_ORIGINS: TEST_ORIGIN,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
    HEARTBEAT_MS: String(HEARTBEAT_MS),
    PERSIST_INTERVAL_MS: '200',
    CONNECTIONS_PER_SEC_PER_IP: '100000',
    LOG_LEVEL: 'warn',
    ...extra,
  }
}

async function cluster(size: number, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const started = await startCluster(size, 0, '127.0.0.1', env)
  onTestFinished(() => started.stop())
  return started
}

function connect(port: number, room: string, sub: string): ProviderClient {
  return testClients(`ws://127.0.0.1:${port}`).connect(room, { sub, name: sub })
}

async function storedRecords(databaseUrl: string, room: string): Promise<Record<string, unknown>> {
  return boardRecords(await storedDoc(databaseUrl, room)).toJSON()
}

const records = (client: ProviderClient) => boardRecords(client.doc)
const sameRecords = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())


/** A private redis-server this test may stop and start; the caller stops it when the test finishes. */
async function privateRedis(port: number): Promise<{ process: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy()
          resolve(true)
        })
        socket.on('error', () => resolve(false))
      }),
    'redis up',
  )
  return {
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await stopped
    },
  }
}

describe('scale-out over Redis and PostgreSQL', () => {
  it('three instances, one room: documents and presence converge; a dead instance’s peers disappear', async () => {
    const db = await database()
    const three = await cluster(3, clusterEnv(db.url))
    const group = three.instances.flatMap((instance, i) => [connect(instance.port, 'shared', `i${i}-a`), connect(instance.port, 'shared', `i${i}-b`)])
    await waitUntil(() => group.every((c) => c.provider.synced), 'all synced')
    group.forEach((client, i) => {
      for (let n = 0; n < 10; n++) records(client).set(`shape:${i}-${n}`, shape(`shape:${i}-${n}`, { i, n }))
    })
    await waitUntil(() => group.every((c) => records(c).size === 60), 'every client has every shape', 15_000)
    const reference = records(group[0]).toJSON()
    for (const client of group) expect(records(client).toJSON()).toEqual(reference)
    await waitUntil(() => group.every((c) => c.lastPresence()?.peers.length === 6), 'presence lists all six users across instances')
    await waitUntil(async () => sameRecords(await storedRecords(db.url, 'shared'), reference), 'stored once, completely', 15_000)

    // Cursors cross instances too.
    group[0].provider.awareness.setLocalStateField('cursor', { x: 7 })
    await waitUntil(() => (group[5].provider.awareness.getStates().get(group[0].doc.clientID) as { cursor?: { x: number } } | undefined)?.cursor?.x === 7, 'cursor relayed')

    // Kill instance 2: its clients cannot reach it; the others' presence drops them within two heartbeat intervals.
    const watcher = group[0]
    const killedAt = watcher.controls.length
    three.instances[2].child.kill('SIGKILL')
    await three.instances[2].exited
    await waitUntil(() => watcher.lastPresence()?.peers.length === 4, 'dead instance’s peers gone', 10_000)
    const ticks = watcher.controls.slice(killedAt).filter((m) => m.type === 'presence').length
    // Presence goes out twice per interval: two intervals are about four ticks (plus the join/leave pushes).
    expect(ticks).toBeLessThanOrEqual(8)
    expect(watcher.provider.awareness.getStates().has(group[4].doc.clientID)).toBe(false)
  }, 90_000)

  it('a client joining instance C right after edits on A sees them (state exchange, not the database)', async () => {
    const db = await database()
    const three = await cluster(3, clusterEnv(db.url, REDIS_URL, { PERSIST_INTERVAL_MS: '60000' }))
    const writer = connect(three.instances[0].port, 'fresh', 'writer')
    await waitUntil(() => writer.provider.synced, 'writer synced')
    for (let n = 0; n < 50; n++) records(writer).set(`shape:${n}`, shape(`shape:${n}`, { n }))
    const late = connect(three.instances[2].port, 'fresh', 'late')
    await waitUntil(() => records(late).size === 50, 'late joiner on C sees the edits made on A', 15_000)
    expect(Object.keys(await storedRecords(db.url, 'fresh'))).toHaveLength(0)
  }, 60_000)

  it('SIGKILL one instance mid-editing: its clients reconnect through the proxy and nothing is lost', async () => {
    const db = await database()
    const three = await cluster(3, clusterEnv(db.url, REDIS_URL, { PERSIST_INTERVAL_MS: '1000' }))
    const group = Array.from({ length: 9 }, (_, i) => connect(three.proxyPort, 'crash', `u${i}`))
    await waitUntil(() => group.every((c) => c.provider.synced), 'all synced')
    let n = 0
    const editing = setInterval(() => {
      for (const client of group) {
        const key = `shape:${n++}`
        records(client).set(key, shape(key, { n }))
      }
    }, 50)
    await waitUntil(() => n >= 300, 'edits before the crash')
    three.instances[0].child.kill('SIGKILL')
    await waitUntil(() => n >= 900, 'edits while reconnecting', 20_000)
    clearInterval(editing)
    await waitUntil(() => group.every((c) => c.provider.wsconnected && c.provider.synced), 'everyone reconnected', 20_000)
    await waitUntil(() => group.every((c) => records(c).size === n), 'every client has every edit', 20_000)
    await waitUntil(async () => Object.keys(await storedRecords(db.url, 'crash')).length === n, 'the database has every edit', 30_000)
    expect(sameRecords(await storedRecords(db.url, 'crash'), records(group[0]).toJSON())).toBe(true)
  }, 120_000)

  it('Redis stopped for 10 s and restarted: every instance keeps serving, then the room converges with nothing lost', async () => {
    const db = await database()
    const redisPort = await freePort()
    let redis = await privateRedis(redisPort)
    onTestFinished(() => redis.stop())
    const env = clusterEnv(db.url, `redis://127.0.0.1:${redisPort}`)
    const two = await cluster(2, env)
    const a = connect(two.instances[0].port, 'outage', 'a')
    const b = connect(two.instances[1].port, 'outage', 'b')
    await waitUntil(() => a.provider.synced && b.provider.synced, 'synced')
    records(a).set('shape:before', shape('shape:before'))
    await waitUntil(() => records(b).has('shape:before'), 'relayed before the outage')
    await redis.stop()
    const outageStarted = Date.now()
    let n = 0
    const editing = setInterval(() => {
      const key = `shape:${n}`
      records(n % 2 ? a : b).set(key, shape(key, { n }))
      n++
    }, 100)
    await waitUntil(() => Date.now() - outageStarted >= 10_000, 'ten seconds of outage', 15_000)
    clearInterval(editing)
    // Each instance kept serving its own sockets meanwhile.
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true)
    redis = await privateRedis(redisPort)
    await waitUntil(() => records(a).size === n + 1 && records(b).size === n + 1, 'both sides converge after Redis returns', 30_000)
    expect(records(a).toJSON()).toEqual(records(b).toJSON())
    await waitUntil(async () => Object.keys(await storedRecords(db.url, 'outage')).length === n + 1, 'everything stored', 30_000)
  }, 90_000)

  it('two instances starting at once on a fresh database migrate it once', async () => {
    const db = await database()
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    onTestFinished(() => admin.end())
    // Everything the fixture's migration made, whatever tables later migrations add.
    await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
    const env = { REDIS_URL, REDIS_PREFIX: `test-${randomBytes(4).toString('hex')}:` }
    await Promise.all([startTestProcess(db, env), startTestProcess(db, env)])
    const { rows } = await admin.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name')
    expect(rows.map((row) => row.migration_name)).toEqual(readMigrations(POSTGRES_MIGRATIONS_DIR).map((migration) => migration.name))
  }, 60_000)

  it('a link reset handled by an instance that does not have the room closes its sockets on the others within a second', async () => {
    const db = await database()
    const three = await cluster(3, clusterEnv(db.url))
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    onTestFinished(() => admin.end())
    await admin.query('INSERT INTO "Room" ("id", "editId", "viewId", "updatedAt") VALUES ($1, $1, $2, now())', ['spread', 'spread-view'])
    const [handler, b, c] = three.instances.map((instance) => testClients(`ws://127.0.0.1:${instance.port}`))
    const editors = [await b.authed('spread', { sub: 'e-b' }), await c.authed('spread', { sub: 'e-c' })]
    const viewer = await c.authed('spread-view', { sub: 'v-c', scope: 'view' })
    await admin.query('UPDATE "Room" SET "editId" = $1 WHERE "id" = $2', ['spread-2', 'spread'])
    const started = performance.now()
    const response = await fetch(`http://127.0.0.1:${three.instances[0].port}/internal/rooms/spread/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await signInternalToken(TEST_SECRET, 'spread', 'revoke')}` },
      body: JSON.stringify({ linkIds: ['spread'], reason: 'link revoked' }),
    })
    expect(await response.json()).toEqual({ closed: 0 })
    const closes = await Promise.all(editors.map(async (editor) => ({ ...(await editor.closed), ms: performance.now() - started })))
    console.warn(`revoke on instance A → sockets on B and C closed after ${closes.map((close) => close.ms.toFixed(1)).join(' ms, ')} ms`)
    for (const close of closes) {
      expect({ code: close.code, reason: close.reason }).toEqual(Close.linkRevoked)
      expect(close.ms).toBeLessThan(1_000)
    }
    expect(viewer.ws.readyState).toBe(viewer.ws.OPEN)
    // The handler itself refuses the old link at auth, and opens the new one.
    const late = handler.raw('spread')
    await late.opened
    late.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('spread', { sub: 'e-b' }) }))
    expect(await late.closed).toEqual(Close.linkRevoked)
    await handler.authed('spread-2', { sub: 'e-b' })

    // Trash: every socket of the room, on every instance, whatever link it was opened with.
    await admin.query('UPDATE "Room" SET "trashedAt" = now() WHERE "id" = $1', ['spread'])
    const trashed = await fetch(`http://127.0.0.1:${three.instances[1].port}/internal/rooms/spread/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await signInternalToken(TEST_SECRET, 'spread', 'revoke')}` },
      body: JSON.stringify({ linkIds: ['spread-2', 'spread-view'], reason: 'board deleted' }),
    })
    expect(trashed.status).toBe(200)
    expect(await viewer.closed).toEqual(Close.boardDeleted)
  }, 60_000)
})
