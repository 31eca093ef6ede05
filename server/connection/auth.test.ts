import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import {
  TEST_SECRET,
  createTempDatabase,
  rawClient,
  scrapeMetrics,
  sendFramesAtOnce,
  startServer,
  tokenFor,
  upgradeStatus,
  upgradedSocket,
  waitUntil,
  wsFrameHeader,
  type UpgradedSocket,
  type RawClient,
  type TestServer,
} from '../testing/support.ts'

let database: Awaited<ReturnType<typeof createTempDatabase>>
let server: TestServer
const raws: RawClient[] = []
const sockets: UpgradedSocket[] = []

beforeEach(async () => {
  database = await createTempDatabase()
  server = await startServer(database.url, { authTimeoutMs: 300, authQueueMaxMessages: 4, authQueueMaxBytes: 4096, maxSocketsPerIp: 5 })
})

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.ws.terminate()
  for (const upgraded of sockets.splice(0)) upgraded.socket.destroy()
  await server.stop()
  await database.remove()
})

async function open(room = 'auth-room'): Promise<RawClient> {
  const client = rawClient(server.url, room)
  raws.push(client)
  await client.opened
  return client
}

async function closeAfterFirstFrame(frame: string | Uint8Array, room = 'auth-room') {
  const client = await open(room)
  client.ws.send(frame)
  return client.closed
}

describe('auth on the first message', () => {
  it('closes with 1008 when no frame arrives within AUTH_TIMEOUT_MS', async () => {
    const client = await open()
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth timeout' })
  })

  it('does not extend the deadline for traffic before auth (pings)', async () => {
    const client = await open()
    const keepPinging = setInterval(() => client.ws.readyState === client.ws.OPEN && client.ws.ping(), 50)
    const closed = await client.closed
    clearInterval(keepPinging)
    expect(closed).toEqual({ code: 1008, reason: 'auth timeout' })
  })

  it('refuses a binary first frame', async () => {
    expect(await closeAfterFirstFrame(new Uint8Array([0, 0, 1, 0]))).toEqual({ code: 1008, reason: 'auth required' })
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
    const client = await open('dropped')
    client.ws.send(JSON.stringify({ type: 'auth', token: 'bad' }))
    client.ws.send(new Uint8Array([0, 2, 2, 0, 0]))
    expect((await client.closed).code).toBe(1008)
    expect(server.server.rooms.get('dropped')).toBeUndefined()
  })

  it('bounds the pre-auth queue by count (1008)', async () => {
    const client = await open()
    const token = await tokenFor('auth-room')
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token }), ...Array.from({ length: 5 }, () => new Uint8Array([1, 1, 0]))])
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many messages before auth' })
  })

  it('bounds the pre-auth queue by bytes (1008)', async () => {
    const client = await open()
    const token = await tokenFor('auth-room')
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token }), new Uint8Array(5000)])
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many messages before auth' })
  })

  it('accepts a queue within its bounds and replays it after auth-ok', async () => {
    const client = await open()
    const token = await tokenFor('auth-room')
    sendFramesAtOnce(client, [JSON.stringify({ type: 'auth', token }), new Uint8Array([3]), new Uint8Array([3])])
    await waitUntil(() => client.controls().some((m) => m.type === 'auth-ok'), 'auth-ok')
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })
})

describe('upgrade checks', () => {
  it('refuses room ids that are not URL-safe or too long with HTTP 400', async () => {
    expect(await upgradeStatus(`${server.url}/bad%20room`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/${'a'.repeat(65)}`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/a/b`)).toBe(400)
    expect(await upgradeStatus(`${server.url}/good-room_1`)).toBe(101)
  })

  it('refuses a foreign Origin with HTTP 403 and accepts the allowed one', async () => {
    expect(await upgradeStatus(`${server.url}/room`, { origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus(`${server.url}/room`, { origin: 'http://localhost:3000' })).toBe(101)
  })

  it('caps concurrent sockets per IP with HTTP 429', async () => {
    for (let i = 0; i < 5; i++) await open(`cap-${i}`)
    expect(await upgradeStatus(`${server.url}/one-more`)).toBe(429)
    raws[0].ws.close()
    await raws[0].closed
    await waitUntil(async () => (await upgradeStatus(`${server.url}/after-close`)) === 101, 'a slot is free again')
  })

  it('counts refused auths in /metrics by reason', async () => {
    const frame = JSON.stringify({ type: 'auth', token: 'bad' })
    await closeAfterFirstFrame(frame)
    const text = await scrapeMetrics(server)
    expect(text).toMatch(/sync_auth_failures_total\{reason="invalid token"\} 1/)
    // The traffic counters, read at scrape time, saw that frame.
    expect(text).toMatch(/^sync_messages_in_total 1$/m)
    expect(text).toMatch(new RegExp(`^sync_bytes_in_total ${frame.length}$`, 'm'))
  })
})

describe('before auth', () => {
  async function upgraded(room = 'auth-room'): Promise<UpgradedSocket> {
    const socket = await upgradedSocket(server.port, room)
    sockets.push(socket)
    return socket
  }

  /** Waits until the server has dropped the TCP connection, well before ws's 30 s close wait. */
  async function droppedWith(socket: UpgradedSocket, reason: string): Promise<void> {
    let ended = false
    void socket.ended.then(() => (ended = true))
    await waitUntil(() => ended, 'the server to drop the TCP connection', 5_000)
    expect(socket.closeFrame()).toEqual({ code: 1008, reason })
    await waitUntil(() => server.server.connections.size === 0, 'the server forgot the socket')
  }

  it('refuses an auth frame over AUTH_FRAME_MAX_BYTES before parsing it (1008)', async () => {
    const client = await open()
    client.ws.send(JSON.stringify({ type: 'auth', token: 'a'.repeat(16 * 1024) }))
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth frame too large' })
    // Not parsed: the same size of broken JSON gets the same answer, not "auth required".
    const broken = await open()
    broken.ws.send('{'.repeat(16 * 1024 + 1))
    expect(await broken.closed).toEqual({ code: 1008, reason: 'auth frame too large' })
  })

  it('drops a socket that sends more raw bytes before auth than the bound, mid-frame', async () => {
    const socket = await upgraded()
    // A frame announced well under MAX_MESSAGE_BYTES, never finished: ws would hold it all.
    socket.socket.write(wsFrameHeader(0x1, 900 * 1024))
    socket.socket.write(Buffer.alloc(100 * 1024, 0x61))
    await droppedWith(socket, 'too many bytes before auth')
  })

  it('drops a socket that fails auth without waiting for its close frame', async () => {
    const socket = await upgraded()
    const frame = Buffer.from(JSON.stringify({ type: 'auth', token: 'bad' }))
    socket.socket.write(Buffer.concat([wsFrameHeader(0x1, frame.length), frame]))
    await droppedWith(socket, 'invalid token')
  })

  it('drops a socket that never authenticates once the auth timeout passes', async () => {
    const socket = await upgraded()
    await droppedWith(socket, 'auth timeout')
  })
})

describe('operator endpoints', () => {
  it('serves /metrics only on the metrics port; the public port keeps /healthz and answers 404 for /metrics', async () => {
    const publicPort = `http://127.0.0.1:${server.port}`
    expect((await fetch(`${publicPort}/metrics`)).status).toBe(404)
    expect(await (await fetch(`${publicPort}/healthz`)).json()).toEqual({ status: 'ok' })
    expect(server.server.metricsPort).not.toBe(server.port)
    expect(await scrapeMetrics(server)).toMatch(/^sync_sockets 0$/m)
    expect((await fetch(`http://127.0.0.1:${server.server.metricsPort}/healthz`)).status).toBe(404)
  })
})
