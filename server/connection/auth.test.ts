import { describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import { EMPTY_STATE_VECTOR, EMPTY_UPDATE, encodeAwarenessFrame, encodeQueryAwareness, encodeSyncStep1, encodeSyncUpdate, writeAwarenessEntries } from '../../lib/wire.ts'
import { startTestServer, type StartedTestServer } from '../testing/fixture.ts'
import {
  TEST_SECRET,
  isControl,
  scrapeMetrics,
  sendFramesAtOnce,
  tokenFor,
  upgradeStatus,
  waitUntil,
  wsFrameHeader,
  type UpgradedSocket,
  type RawClient,
} from '../testing/support.ts'

/** The server of these tests: a short auth deadline, small pre-auth bounds, five sockets per IP. */
const startAuthServer = () =>
  startTestServer({ config: { authTimeoutMs: 300, authQueueMaxMessages: 4, authQueueMaxBytes: 4096, maxSocketsPerIp: 5 } })

/** The update of an empty document: a well-formed edit that changes nothing. */

async function open(server: StartedTestServer, room = 'auth-room'): Promise<RawClient> {
  const client = server.raw(room)
  await client.opened
  return client
}

/** Opens a socket on a fresh server, sends `frame` first and resolves with how the server closed it. */
async function closeAfterFirstFrame(frame: string | Uint8Array, server?: StartedTestServer) {
  const client = await open(server ?? (await startAuthServer()))
  client.ws.send(frame)
  return client.closed
}

describe('auth on the first message', () => {
  it('closes with 1008 when no frame arrives within AUTH_TIMEOUT_MS', async () => {
    const client = await open(await startAuthServer())
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth timeout' })
  })

  it('does not extend the deadline for traffic before auth (pings)', async () => {
    const client = await open(await startAuthServer())
    const keepPinging = setInterval(() => client.ws.readyState === client.ws.OPEN && client.ws.ping(), 50)
    const closed = await client.closed
    clearInterval(keepPinging)
    expect(closed).toEqual({ code: 1008, reason: 'auth timeout' })
  })

  it('refuses a binary first frame', async () => {
    expect(await closeAfterFirstFrame(encodeSyncStep1(EMPTY_STATE_VECTOR))).toEqual({ code: 1008, reason: 'auth required' })
  })

  it('refuses a first frame of another type', async () => {
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'hello' }))).toEqual({ code: 1008, reason: 'auth required' })
  })

  it('refuses bad JSON', async () => {
    expect(await closeAfterFirstFrame('{"type":"auth",')).toEqual({ code: 1008, reason: 'auth required' })
  })

  it('refuses a token signed with another secret, without saying which secret', async () => {
    const token = await tokenFor('auth-room', { secret: 'another-secret-another-secret-000000' })
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'auth', token }))).toEqual({ code: 1008, reason: 'invalid token' })
  })

  it('refuses a garbage token', async () => {
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'auth', token: 'not.a.jwt' }))).toEqual({ code: 1008, reason: 'invalid token' })
  })

  it('refuses an expired token', async () => {
    const token = await new SignJWT({ name: 'Old', room: 'auth-room', scope: 'edit' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('old')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_SECRET))
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'auth', token }))).toEqual({ code: 1008, reason: 'token expired' })
  })

  it('refuses a token for another room', async () => {
    const token = await tokenFor('other-room')
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'auth', token }))).toEqual({
      code: 1008,
      reason: 'token not valid for this room',
    })
  })

  it('refuses a token with an unknown scope or an alg:none token', async () => {
    const adminToken = await new SignJWT({ name: 'X', room: 'auth-room', scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(TEST_SECRET))
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'auth', token: adminToken }))).toEqual({ code: 1008, reason: 'invalid token' })
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'x', name: 'X', room: 'auth-room', scope: 'edit', exp: 9999999999 }),
    ).toString('base64url')}.`
    expect(await closeAfterFirstFrame(JSON.stringify({ type: 'auth', token: unsigned }))).toEqual({ code: 1008, reason: 'invalid token' })
  })

  it('drops frames queued before a failed auth: nothing reaches the room', async () => {
    const server = await startAuthServer()
    const client = await open(server, 'dropped')
    client.ws.send(JSON.stringify({ type: 'auth', token: 'bad' }))
    client.ws.send(encodeSyncUpdate(EMPTY_UPDATE))
    expect((await client.closed).code).toBe(1008)
    expect(server.server.rooms.get('dropped')).toBeUndefined()
  })

  it('bounds the pre-auth queue by count (1008)', async () => {
    const client = await open(await startAuthServer())
    const token = await tokenFor('auth-room')
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token }), ...Array.from({ length: 5 }, () => encodeAwarenessFrame(writeAwarenessEntries([])))])
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many messages before auth' })
  })

  it('bounds the pre-auth queue by bytes (1008)', async () => {
    const client = await open(await startAuthServer())
    const token = await tokenFor('auth-room')
    // Hand-built: only its size (over AUTH_QUEUE_MAX_BYTES) matters, it is never decoded.
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token }), new Uint8Array(5000)])
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many messages before auth' })
  })

  it('accepts a queue within its bounds and replays it after auth-ok', async () => {
    const client = await open(await startAuthServer())
    const token = await tokenFor('auth-room')
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token }), encodeQueryAwareness(), encodeQueryAwareness()])
    await expect(client.received(isControl('auth-ok'))).resolves.toContain('auth-ok')
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })
})

describe('upgrade checks', () => {
  it('refuses room ids that are not URL-safe or too long with HTTP 400', async () => {
    const server = await startAuthServer()
    expect(await upgradeStatus(`${server.url}/bad%20room`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/${'a'.repeat(65)}`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/a/b`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/good-room_1`)).toBe(101)
  })

  it('refuses a foreign Origin with HTTP 403 and accepts the allowed one', async () => {
    const server = await startAuthServer()
    expect(await upgradeStatus(`${server.url}/room`, { origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus(`${server.url}/room`, { origin: 'http://localhost:3000' })).toBe(101)
  })

  it('caps concurrent sockets per IP with HTTP 429', async () => {
    const server = await startAuthServer()
    const open5: RawClient[] = []
    for (let i = 0; i < 5; i++) open5.push(await open(server, `cap-${i}`))
    expect(await upgradeStatus(`${server.url}/one-more`)).toBe(429)
    open5[0].ws.close()
    await open5[0].closed
    await waitUntil(async () => (await upgradeStatus(`${server.url}/after-close`)) === 101, 'a slot is free again')
  })

  it('counts refused auths in /metrics by reason', async () => {
    const server = await startAuthServer()
    const frame = JSON.stringify({ type: 'auth', token: 'bad' })
    await closeAfterFirstFrame(frame, server)
    const text = await scrapeMetrics(server)
    expect(text).toMatch(/sync_auth_failures_total\{reason="invalid token"\} 1/)
    // The traffic counters, read at scrape time, saw that frame.
    expect(text).toMatch(/^sync_messages_in_total 1$/m)
    expect(text).toMatch(new RegExp(`^sync_bytes_in_total ${frame.length}$`, 'm'))
  })
})

describe('before auth', () => {
  /** Waits until the server has dropped the TCP connection, well before ws's 30 s close wait. */
  async function droppedWith(server: StartedTestServer, socket: UpgradedSocket, reason: string): Promise<void> {
    let ended = false
    void socket.ended.then(() => (ended = true))
    await waitUntil(() => ended, 'the server to drop the TCP connection', 5_000)
    expect(socket.closeFrame()).toEqual({ code: 1008, reason })
    await waitUntil(() => server.server.connections.size === 0, 'the server forgot the socket')
  }

  it('refuses an auth frame over AUTH_FRAME_MAX_BYTES before parsing it (1008)', async () => {
    const server = await startAuthServer()
    const client = await open(server)
    client.ws.send(JSON.stringify({ type: 'auth', token: 'a'.repeat(16 * 1024) }))
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth frame too large' })
    // Not parsed: the same size of broken JSON gets the same answer, not "auth required".
    const broken = await open(server)
    broken.ws.send('{'.repeat(16 * 1024 + 1))
    expect(await broken.closed).toEqual({ code: 1008, reason: 'auth frame too large' })
  })

  it('drops a socket that sends more raw bytes before auth than the bound, mid-frame', async () => {
    const server = await startAuthServer()
    const socket = await server.upgraded('auth-room')
    // A frame announced well under MAX_MESSAGE_BYTES, never finished: ws would hold it all.
    socket.socket.write(wsFrameHeader(0x1, 900 * 1024))
    socket.socket.write(Buffer.alloc(100 * 1024, 0x61))
    await droppedWith(server, socket, 'too many bytes before auth')
  })

  it('drops a socket that fails auth without waiting for its close frame', async () => {
    const server = await startAuthServer()
    const socket = await server.upgraded('auth-room')
    const frame = Buffer.from(JSON.stringify({ type: 'auth', token: 'bad' }))
    socket.socket.write(Buffer.concat([wsFrameHeader(0x1, frame.length), frame]))
    await droppedWith(server, socket, 'invalid token')
  })

  it('drops a socket that never authenticates once the auth timeout passes', async () => {
    const server = await startAuthServer()
    const socket = await server.upgraded('auth-room')
    await droppedWith(server, socket, 'auth timeout')
  })
})

describe('operator endpoints', () => {
  it('serves /metrics only on the metrics port; the public port keeps /healthz and answers 404 for /metrics', async () => {
    const server = await startAuthServer()
    const publicPort = `http://127.0.0.1:${server.port}`
    expect((await fetch(`${publicPort}/metrics`)).status).toBe(404)
    expect(await (await fetch(`${publicPort}/healthz`)).json()).toEqual({ status: 'ok' })
    expect(server.server.metricsPort).not.toBe(server.port)
    expect(await scrapeMetrics(server)).toMatch(/^sync_sockets 0$/m)
    expect((await fetch(`http://127.0.0.1:${server.server.metricsPort}/healthz`)).status).toBe(404)
  })
})
