import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import {
  TEST_SECRET,
  createTempDatabase,
  rawClient,
  sendFramesAtOnce,
  startServer,
  tokenFor,
  upgradeStatus,
  waitUntil,
  type RawClient,
  type TestServer,
} from './test-support.ts'

let database: Awaited<ReturnType<typeof createTempDatabase>>
let server: TestServer
const raws: RawClient[] = []

beforeEach(async () => {
  database = await createTempDatabase()
  server = await startServer(database.url, { authTimeoutMs: 300, authQueueMaxMessages: 4, authQueueMaxBytes: 4096, maxSocketsPerIp: 5 })
})

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.ws.terminate()
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
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`)
    const text = await response.text()
    expect(text).toMatch(/sync_auth_failures_total\{reason="invalid token"\} 1/)
    // The traffic counters, read at scrape time, saw that frame.
    expect(text).toMatch(/^sync_messages_in_total 1$/m)
    expect(text).toMatch(new RegExp(`^sync_bytes_in_total ${frame.length}$`, 'm'))
  })
})
