import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  authedRawClient,
  boardRecords,
  createTempDatabase,
  providerClient,
  scrapeMetrics,
  sendFramesAtOnce,
  shape,
  startServer,
  tokenFor,
  waitUntil,
  type ProviderClient,
  type RawClient,
  type TestServer,
} from '../testing/support.ts'

let database: Awaited<ReturnType<typeof createTempDatabase>>
let server: TestServer
const clients: ProviderClient[] = []
const raws: RawClient[] = []

beforeEach(async () => {
  database = await createTempDatabase()
  server = await startServer(database.url, { maxMessageBytes: 64 * 1024 })
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  for (const raw of raws.splice(0)) raw.ws.terminate()
  await server.stop()
  await database.remove()
})

/** Two honest editors in `room`; returns a check that they still converge on a fresh edit. */
async function honestPair(room: string) {
  const a = providerClient(server.url, room, { sub: 'a' })
  const b = providerClient(server.url, room, { sub: 'b' })
  clients.push(a, b)
  await waitUntil(() => a.provider.synced && b.provider.synced, 'honest clients synced')
  let n = 0
  return async () => {
    n++
    boardRecords(a.doc).set(`shape:a${n}`, shape(`shape:a${n}`, { n }))
    boardRecords(b.doc).set(`shape:b${n}`, shape(`shape:b${n}`, { n }))
    await waitUntil(
      () => boardRecords(a.doc).has(`shape:b${n}`) && boardRecords(b.doc).has(`shape:a${n}`),
      'honest clients still converge',
    )
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true)
  }
}

async function attacker(room: string): Promise<RawClient> {
  const client = await authedRawClient(server.url, room, await tokenFor(room, { sub: 'mallory' }))
  raws.push(client)
  return client
}

describe('bad frames after auth', () => {
  it('closes an oversize frame with 1009 while the room keeps editing', async () => {
    const stillConverging = await honestPair('big')
    const bad = await attacker('big')
    bad.ws.send(new Uint8Array(64 * 1024 + 1))
    expect((await bad.closed).code).toBe(1009)
    await stillConverging()
  })

  it('closes malformed binary (decoding throws) with 1002 while the room keeps editing', async () => {
    const stillConverging = await honestPair('garbage')
    const cases = [
      new Uint8Array([0, 2, 200, 200, 200]), // update whose length runs past the frame
      new Uint8Array([0, 2, 5, 1, 2, 3, 4, 5]), // update bytes that are not a Yjs update
      new Uint8Array([0, 9]), // unknown sync step
      new Uint8Array([7]), // unknown message type
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // runaway varint
      new Uint8Array([]), // empty frame
      new Uint8Array([1, 50, 1, 2]), // truncated awareness update
    ]
    for (const frame of cases) {
      const bad = await attacker('garbage')
      bad.ws.send(frame)
      expect(await bad.closed, `frame ${Array.from(frame)}`).toEqual({ code: 1002, reason: 'malformed message' })
    }
    await stillConverging()
    const doc = server.server.rooms.get('garbage')!.doc
    expect(boardRecords(doc).size).toBe(2)
  })

  it('closes a text frame that is not a known control type with 1003, and invalid JSON with 1007', async () => {
    const stillConverging = await honestPair('texts')
    const unknown = await attacker('texts')
    unknown.ws.send(JSON.stringify({ type: 'shout' }))
    expect(await unknown.closed).toEqual({ code: 1003, reason: 'unknown control message' })
    const badJson = await attacker('texts')
    badJson.ws.send('{not json')
    expect(await badJson.closed).toEqual({ code: 1007, reason: 'invalid text frame' })
    await stillConverging()
  })

  it('closes invalid UTF-8 in a text frame with 1007', async () => {
    const bad = await attacker('utf8')
    // A text frame (opcode 1) whose payload is not UTF-8.
    const frame = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28])
    ;(bad.ws as unknown as { _socket: import('node:net').Socket })._socket.write(frame)
    expect((await bad.closed).code).toBe(1007)
  })

  it("closes with 1011, logged and counted, when the server itself fails on a frame: a bug is not the client's fault", async () => {
    const stillConverging = await honestPair('bug')
    const victim = await attacker('bug')
    const room = server.server.rooms.get('bug')!
    const receive = room.receive.bind(room)
    // Our own code failing on a valid frame (here: a TypeError from a stand-in for a bug in the room).
    room.receive = (peer, message) => {
      if (peer.user.id === 'mallory') (undefined as unknown as { field: number }).field++
      receive(peer, message)
    }
    victim.ws.send(new Uint8Array([1, 1, 0]))
    expect(await victim.closed).toEqual({ code: 1011, reason: 'internal error' })
    expect(await scrapeMetrics(server)).toMatch(/sync_internal_errors_total 1\n/)
    await stillConverging()
  })

  it('never lets one bad socket disturb another room', async () => {
    const stillConverging = await honestPair('calm')
    const bad = await attacker('storm')
    sendFramesAtOnce(bad, [new Uint8Array([0, 2, 3, 9, 9, 9])])
    expect((await bad.closed).code).toBe(1002)
    await stillConverging()
  })
})
