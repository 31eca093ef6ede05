import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { Close } from '../../lib/protocol.ts'
import { encodeAwarenessFrame, encodeQueryAwareness, encodeSyncUpdate } from '../../lib/wire.ts'
import { startTestServer, type StartedTestServer } from '../testing/fixture.ts'
import { TEST_ORIGIN, boardRecords, isAwareness, shape, tokenFor, upgradeStatus, waitUntil, type RawClient } from '../testing/support.ts'

const raw = (server: StartedTestServer, room: string, sub: string): Promise<RawClient> => server.authed(room, { sub, name: sub })

/** Whether the server's copy of `room` holds record `id`. */
function roomHas(server: StartedTestServer, room: string, id: string): boolean {
  const loaded = server.server.rooms.get(room)
  return loaded ? boardRecords(loaded.doc).has(id) : false
}

const awarenessFrame = (awareness: Awareness, ids: number[]): Uint8Array => encodeAwarenessFrame(encodeAwarenessUpdate(awareness, ids))

describe('abuse limits', () => {
  it('closes a socket that keeps sending faster than its rate with 1008, leaving others alone', async () => {
    const server = await startTestServer({ config: { rateMessagesPerSec: 50 } })
    const honest = server.connect('flood', { sub: 'honest' })
    await waitUntil(() => honest.provider.synced, 'honest synced')
    const flooder = await raw(server, 'flood', 'flooder')
    for (let i = 0; i < 500 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.ws.send(encodeQueryAwareness())
    expect(await flooder.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' })
    boardRecords(honest.doc).set('shape:ok', shape('shape:ok', { x: 1 }))
    await waitUntil(() => roomHas(server, 'flood', 'shape:ok'), 'honest edit arrives')
  })

  it('refuses more new connections per second from one IP than allowed (HTTP 429)', async () => {
    const server = await startTestServer({ config: { connectionsPerSecPerIp: 5 } })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push(await upgradeStatus(`${server.url}/burst`))
    expect(statuses.slice(0, 5)).toEqual([101, 101, 101, 101, 101])
    expect(statuses.slice(5)).toContain(429)
  })

  it('refuses upgrades from an IP after too many failed auths (HTTP 429)', async () => {
    const server = await startTestServer({ config: { authFailuresPerMinPerIp: 3 } })
    for (let i = 0; i < 3; i++) {
      const client = server.raw('guess')
      await client.opened
      client.ws.send(JSON.stringify({ type: 'auth', token: `guess-${i}` }))
      expect((await client.closed).code).toBe(1008)
    }
    expect(await upgradeStatus(`${server.url}/guess`)).toBe(429)
  })

  it('caps peers per room with 1013 room full', async () => {
    const server = await startTestServer({ config: { maxPeersPerRoom: 2 } })
    await raw(server, 'small', 'a')
    await raw(server, 'small', 'b')
    const third = server.raw('small')
    await third.opened
    third.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('small', { sub: 'c' }) }))
    expect(await third.closed).toEqual({ code: 1013, reason: 'room full' })
  })

  it('refuses an update that would grow the document past its limit with 1009, keeping the document', async () => {
    const server = await startTestServer({ config: { maxDocBytes: 20_000 } })
    const writer = await raw(server, 'grow', 'writer')
    const doc = new Y.Doc()
    boardRecords(doc).set('shape:small', shape('shape:small', { text: 'x'.repeat(1000) }))
    writer.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc)))
    await waitUntil(() => roomHas(server, 'grow', 'shape:small'), 'small edit applied')
    const big = new Y.Doc()
    boardRecords(big).set('shape:big', shape('shape:big', { text: 'y'.repeat(30_000) }))
    writer.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(big)))
    expect(await writer.closed).toEqual(Close.docTooLarge)
    expect(roomHas(server, 'grow', 'shape:big')).toBe(false)
  })

  it('drops a client that stops reading once its send buffer passes the limit', async () => {
    const server = await startTestServer({ config: { maxBufferedBytes: 256 * 1024, maxMessageBytes: 1024 * 1024 } })
    const reader = await raw(server, 'slow', 'reader')
    const socket = (reader.ws as unknown as { _socket: import('node:net').Socket })._socket
    socket.pause()
    const writer = await raw(server, 'slow', 'writer')
    const doc = new Y.Doc()
    for (let i = 0; i < 200 && server.server.connections.size === 2; i++) {
      const before = Y.encodeStateVector(doc)
      boardRecords(doc).set(`shape:${i}`, shape(`shape:${i}`, { blob: 'z'.repeat(100_000) }))
      writer.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc, before)))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await waitUntil(() => server.server.connections.size === 1, 'slow reader dropped')
    expect(writer.ws.readyState).toBe(writer.ws.OPEN)
  })
})

describe('client address behind a trusted proxy', () => {
  const from = (forwardedFor: string, extra: Record<string, string> = {}) => ({ origin: TEST_ORIGIN, 'x-forwarded-for': forwardedFor, ...extra })

  async function failAuth(server: StartedTestServer, headers: Record<string, string>): Promise<void> {
    const client = server.raw('guess', headers)
    await client.opened
    client.ws.send(JSON.stringify({ type: 'auth', token: 'guess' }))
    expect(await client.closed).toEqual({ code: 1008, reason: 'invalid token' })
  }

  it('with TRUST_PROXY_HOPS=1 counts failed auths per client (the proxy-added address), not per proxy', async () => {
    const server = await startTestServer({ config: { authFailuresPerMinPerIp: 3, trustProxyHops: 1 } })
    // The attacker forges a different left part each time; the proxy appends its real address.
    for (let i = 0; i < 3; i++) await failAuth(server, from(`10.9.9.${i}, 198.51.100.1`))
    expect(await upgradeStatus(`${server.url}/guess`, from('10.9.9.9, 198.51.100.1'))).toBe(429)
    expect(await upgradeStatus(`${server.url}/guess`, from('198.51.100.2'))).toBe(101)
  })

  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    const server = await startTestServer({ config: { authFailuresPerMinPerIp: 3 } })
    for (let i = 0; i < 3; i++) await failAuth(server, from(`198.51.100.${i}`))
    expect(await upgradeStatus(`${server.url}/guess`, from('198.51.100.200'))).toBe(429)
  })

  it('keys IPv6 clients on their /64 and falls back to X-Real-IP', async () => {
    const server = await startTestServer({ config: { maxSocketsPerIp: 2, trustProxyHops: 1 } })
    for (const address of ['2001:db8:1:2::a', '2001:db8:1:2:ffff::b']) {
      const client = server.raw('v6', from(address))
      await client.opened
    }
    expect(await upgradeStatus(`${server.url}/v6`, from('2001:db8:1:2::c'))).toBe(429)
    expect(await upgradeStatus(`${server.url}/v6`, { origin: TEST_ORIGIN, 'x-real-ip': '2001:db8:1:2::d' })).toBe(429)
    expect(await upgradeStatus(`${server.url}/v6`, from('2001:db8:1:3::1'))).toBe(101)
  })
})

describe('awareness checks', () => {
  it('shows the token identity, not the one a client claims', async () => {
    const server = await startTestServer()
    const watcher = server.connect('names', { sub: 'watcher', name: 'Watcher' })
    await waitUntil(() => watcher.provider.synced, 'synced')
    const liar = server.connect('names', { sub: 'mallory', name: 'Mallory' })
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
    const server = await startTestServer()
    const victim = server.connect('spoof', { sub: 'victim' })
    await waitUntil(() => victim.provider.synced, 'synced')
    victim.provider.awareness.setLocalStateField('cursor', { x: 1 })
    const victimId = victim.doc.clientID
    await waitUntil(() => server.server.rooms.get('spoof')?.awareness.getStates().has(victimId) ?? false, 'victim state on server')
    const attacker = await raw(server, 'spoof', 'attacker')
    const forged = new Awareness(new Y.Doc())
    forged.clientID = victimId
    forged.setLocalState({ cursor: { x: 666 } })
    ;(forged.meta.get(victimId) as { clock: number }).clock = 1_000
    attacker.ws.send(awarenessFrame(forged, [victimId]))
    attacker.ws.send(encodeQueryAwareness())
    await waitUntil(() => attacker.messages.filter(isAwareness).length >= 2, 'query answered')
    expect((server.server.rooms.get('spoof')!.awareness.getStates().get(victimId) as { cursor: { x: number } }).cursor.x).toBe(1)
    forged.destroy()
  })

  it('closes a socket whose awareness state is over the size cap or that announces too many clients (1008)', async () => {
    const server = await startTestServer({ config: { awarenessMaxBytes: 1024, awarenessMaxClients: 2 } })
    const big = await raw(server, 'caps', 'big')
    const awareness = new Awareness(new Y.Doc())
    awareness.setLocalState({ blob: 'x'.repeat(2048) })
    big.ws.send(awarenessFrame(awareness, [awareness.clientID]))
    expect(await big.closed).toEqual({ code: 1008, reason: 'awareness state too large' })
    const many = await raw(server, 'caps', 'many')
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
