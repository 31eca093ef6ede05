import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { Close, MessageType } from '../../lib/protocol.ts'
import {
  TEST_ORIGIN,
  authedRawClient,
  boardRecords,
  createTempDatabase,
  providerClient,
  rawClient,
  shape,
  startServer,
  tokenFor,
  upgradeStatus,
  waitUntil,
  type ProviderClient,
  type RawClient,
  type TestServer,
} from '../testing/support.ts'
import type { SyncServerConfig } from '../http/syncServer.ts'

let database: Awaited<ReturnType<typeof createTempDatabase>>
let server: TestServer | null = null
const clients: ProviderClient[] = []
const raws: RawClient[] = []

beforeEach(async () => {
  database = await createTempDatabase()
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  for (const raw of raws.splice(0)) raw.ws.terminate()
  await server?.stop()
  server = null
  await database.remove()
})

async function start(overrides: Partial<SyncServerConfig>): Promise<TestServer> {
  server = await startServer(database.url, overrides)
  return server
}

async function raw(room: string, sub: string): Promise<RawClient> {
  const client = await authedRawClient(server!.url, room, await tokenFor(room, { sub, name: sub }))
  raws.push(client)
  return client
}

/** Whether the server's copy of `room` holds record `id`. */
function roomHas(room: string, id: string): boolean {
  const loaded = server!.server.rooms.get(room)
  return loaded ? boardRecords(loaded.doc).has(id) : false
}

function awarenessFrame(awareness: Awareness, ids: number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.awareness)
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, ids))
  return encoding.toUint8Array(encoder)
}

function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.sync)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

describe('abuse limits', () => {
  it('closes a socket that keeps sending faster than its rate with 1008, leaving others alone', async () => {
    await start({ rateMessagesPerSec: 50 })
    const honest = providerClient(server!.url, 'flood', { sub: 'honest' })
    clients.push(honest)
    await waitUntil(() => honest.provider.synced, 'honest synced')
    const flooder = await raw('flood', 'flooder')
    for (let i = 0; i < 500 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.ws.send(new Uint8Array([MessageType.queryAwareness]))
    expect(await flooder.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' })
    boardRecords(honest.doc).set('shape:ok', shape('shape:ok', { x: 1 }))
    await waitUntil(() => roomHas('flood', 'shape:ok'), 'honest edit arrives')
  })

  it('refuses more new connections per second from one IP than allowed (HTTP 429)', async () => {
    await start({ connectionsPerSecPerIp: 5 })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push(await upgradeStatus(`${server!.url}/burst`))
    expect(statuses.slice(0, 5)).toEqual([101, 101, 101, 101, 101])
    expect(statuses.slice(5)).toContain(429)
  })

  it('refuses upgrades from an IP after too many failed auths (HTTP 429)', async () => {
    await start({ authFailuresPerMinPerIp: 3 })
    for (let i = 0; i < 3; i++) {
      const client = rawClient(server!.url, 'guess')
      raws.push(client)
      await client.opened
      client.ws.send(JSON.stringify({ type: 'auth', token: `guess-${i}` }))
      expect((await client.closed).code).toBe(1008)
    }
    expect(await upgradeStatus(`${server!.url}/guess`)).toBe(429)
  })

  it('caps peers per room with 1013 room full', async () => {
    await start({ maxPeersPerRoom: 2 })
    await raw('small', 'a')
    await raw('small', 'b')
    const third = rawClient(server!.url, 'small')
    raws.push(third)
    await third.opened
    third.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('small', { sub: 'c' }) }))
    expect(await third.closed).toEqual({ code: 1013, reason: 'room full' })
  })

  it('refuses an update that would grow the document past its limit with 1009, keeping the document', async () => {
    await start({ maxDocBytes: 20_000 })
    const writer = await raw('grow', 'writer')
    const doc = new Y.Doc()
    boardRecords(doc).set('shape:small', shape('shape:small', { text: 'x'.repeat(1000) }))
    writer.ws.send(updateFrame(Y.encodeStateAsUpdate(doc)))
    await waitUntil(() => roomHas('grow', 'shape:small'), 'small edit applied')
    const big = new Y.Doc()
    boardRecords(big).set('shape:big', shape('shape:big', { text: 'y'.repeat(30_000) }))
    writer.ws.send(updateFrame(Y.encodeStateAsUpdate(big)))
    expect(await writer.closed).toEqual(Close.docTooLarge)
    expect(roomHas('grow', 'shape:big')).toBe(false)
  })

  it('drops a client that stops reading once its send buffer passes the limit', async () => {
    await start({ maxBufferedBytes: 256 * 1024, maxMessageBytes: 1024 * 1024 })
    const reader = await raw('slow', 'reader')
    const socket = (reader.ws as unknown as { _socket: import('node:net').Socket })._socket
    socket.pause()
    const writer = await raw('slow', 'writer')
    const doc = new Y.Doc()
    for (let i = 0; i < 200 && server!.server.connections.size === 2; i++) {
      const before = Y.encodeStateVector(doc)
      boardRecords(doc).set(`shape:${i}`, shape(`shape:${i}`, { blob: 'z'.repeat(100_000) }))
      writer.ws.send(updateFrame(Y.encodeStateAsUpdate(doc, before)))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await waitUntil(() => server!.server.connections.size === 1, 'slow reader dropped')
    expect(writer.ws.readyState).toBe(writer.ws.OPEN)
  })
})

describe('client address behind a trusted proxy', () => {
  const from = (forwardedFor: string, extra: Record<string, string> = {}) => ({ origin: TEST_ORIGIN, 'x-forwarded-for': forwardedFor, ...extra })

  async function failAuth(headers: Record<string, string>): Promise<void> {
    const client = rawClient(server!.url, 'guess', headers)
    raws.push(client)
    await client.opened
    client.ws.send(JSON.stringify({ type: 'auth', token: 'guess' }))
    expect(await client.closed).toEqual({ code: 1008, reason: 'invalid token' })
  }

  it('with TRUST_PROXY_HOPS=1 counts failed auths per client (the proxy-added address), not per proxy', async () => {
    await start({ authFailuresPerMinPerIp: 3, trustProxyHops: 1 })
    // The attacker forges a different left part each time; the proxy appends its real address.
    for (let i = 0; i < 3; i++) await failAuth(from(`10.9.9.${i}, 198.51.100.1`))
    expect(await upgradeStatus(`${server!.url}/guess`, from('10.9.9.9, 198.51.100.1'))).toBe(429)
    expect(await upgradeStatus(`${server!.url}/guess`, from('198.51.100.2'))).toBe(101)
  })

  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    await start({ authFailuresPerMinPerIp: 3 })
    for (let i = 0; i < 3; i++) await failAuth(from(`198.51.100.${i}`))
    expect(await upgradeStatus(`${server!.url}/guess`, from('198.51.100.200'))).toBe(429)
  })

  it('keys IPv6 clients on their /64 and falls back to X-Real-IP', async () => {
    await start({ maxSocketsPerIp: 2, trustProxyHops: 1 })
    for (const address of ['2001:db8:1:2::a', '2001:db8:1:2:ffff::b']) {
      const client = rawClient(server!.url, 'v6', from(address))
      raws.push(client)
      await client.opened
    }
    expect(await upgradeStatus(`${server!.url}/v6`, from('2001:db8:1:2::c'))).toBe(429)
    expect(await upgradeStatus(`${server!.url}/v6`, { origin: TEST_ORIGIN, 'x-real-ip': '2001:db8:1:2::d' })).toBe(429)
    expect(await upgradeStatus(`${server!.url}/v6`, from('2001:db8:1:3::1'))).toBe(101)
  })
})

describe('awareness checks', () => {
  it('shows the token identity, not the one a client claims', async () => {
    await start({})
    const watcher = providerClient(server!.url, 'names', { sub: 'watcher', name: 'Watcher' })
    clients.push(watcher)
    await waitUntil(() => watcher.provider.synced, 'synced')
    const liar = providerClient(server!.url, 'names', { sub: 'mallory', name: 'Mallory' })
    clients.push(liar)
    await waitUntil(() => liar.provider.synced, 'liar synced')
    liar.provider.awareness.setLocalState({
      user: { id: 'ceo', name: 'The CEO', color: '#ff0000' },
      presence: { userId: 'ceo', userName: 'The CEO', color: '#ff0000', cursor: { x: 1, y: 2 } },
    })
    await waitUntil(() => watcher.provider.awareness.getStates().has(liar.doc.clientID), 'state relayed')
    const seen = watcher.provider.awareness.getStates().get(liar.doc.clientID) as { user: unknown; presence: Record<string, unknown> }
    expect(seen.user).toEqual({ id: 'mallory', name: 'Mallory', color: expect.any(String) })
    expect(seen.presence).toMatchObject({ userId: 'mallory', userName: 'Mallory', cursor: { x: 1, y: 2 } })
  })

  it('ignores a state sent for another socket’s client id', async () => {
    await start({})
    const victim = providerClient(server!.url, 'spoof', { sub: 'victim' })
    clients.push(victim)
    await waitUntil(() => victim.provider.synced, 'synced')
    victim.provider.awareness.setLocalStateField('cursor', { x: 1 })
    const victimId = victim.doc.clientID
    await waitUntil(() => server!.server.rooms.get('spoof')?.awareness.getStates().has(victimId) ?? false, 'victim state on server')
    const attacker = await raw('spoof', 'attacker')
    const forged = new Awareness(new Y.Doc())
    forged.clientID = victimId
    forged.setLocalState({ cursor: { x: 666 } })
    ;(forged.meta.get(victimId) as { clock: number }).clock = 1_000
    attacker.ws.send(awarenessFrame(forged, [victimId]))
    attacker.ws.send(new Uint8Array([MessageType.queryAwareness]))
    await waitUntil(() => attacker.messages.filter((m) => typeof m !== 'string' && m[0] === MessageType.awareness).length >= 2, 'query answered')
    expect((server!.server.rooms.get('spoof')!.awareness.getStates().get(victimId) as { cursor: { x: number } }).cursor.x).toBe(1)
    forged.destroy()
  })

  it('closes a socket whose awareness state is over the size cap or that announces too many clients (1008)', async () => {
    await start({ awarenessMaxBytes: 1024, awarenessMaxClients: 2 })
    const big = await raw('caps', 'big')
    const awareness = new Awareness(new Y.Doc())
    awareness.setLocalState({ blob: 'x'.repeat(2048) })
    big.ws.send(awarenessFrame(awareness, [awareness.clientID]))
    expect(await big.closed).toEqual({ code: 1008, reason: 'awareness state too large' })
    const many = await raw('caps', 'many')
    const fakes = [1, 2, 3].map(() => new Awareness(new Y.Doc()))
    for (const fake of fakes) {
      fake.setLocalState({ cursor: 1 })
      if (many.ws.readyState === many.ws.OPEN) many.ws.send(awarenessFrame(fake, [fake.clientID]))
    }
    expect(await many.closed).toEqual({ code: 1008, reason: 'awareness state too large' })
    awareness.destroy()
    for (const fake of fakes) fake.destroy()
  })
})
