import { describe, expect, it } from 'vitest'
import { encodeAwarenessFrame, writeAwarenessEntries } from '../../lib/wire.ts'
import { startTestServer, type StartedTestServer } from '../testing/fixture.ts'
import { boardRecords, scrapeMetrics, sendFramesAtOnce, shape, waitUntil, type RawClient } from '../testing/support.ts'

const startErrorServer = () => startTestServer({ config: { maxMessageBytes: 64 * 1024 } })

/** Two honest editors in `room`; returns a check that they still converge on a fresh edit. */
async function honestPair(server: StartedTestServer, room: string) {
  const a = server.connect(room, { sub: 'a' })
  const b = server.connect(room, { sub: 'b' })
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

const attacker = (server: StartedTestServer, room: string): Promise<RawClient> => server.authed(room, { sub: 'mallory' })

describe('bad frames after auth', () => {
  it('closes an oversize frame with 1009 while the room keeps editing', async () => {
    const server = await startErrorServer()
    const stillConverging = await honestPair(server, 'big')
    const bad = await attacker(server, 'big')
    bad.ws.send(new Uint8Array(64 * 1024 + 1))
    expect((await bad.closed).code).toBe(1009)
    await stillConverging()
  })

  it('closes malformed binary (decoding throws) with 1002 while the room keeps editing', async () => {
    const server = await startErrorServer()
    const stillConverging = await honestPair(server, 'garbage')
    // Hand-built: each is malformed on purpose, which lib/wire.ts cannot encode.
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
      const bad = await attacker(server, 'garbage')
      bad.ws.send(frame)
      expect(await bad.closed, `frame ${Array.from(frame)}`).toEqual({ code: 1002, reason: 'malformed message' })
    }
    await stillConverging()
    const doc = server.server.rooms.get('garbage')!.doc
    expect(boardRecords(doc).size).toBe(2)
  })

  it('closes a text frame that is not a known control type with 1003, and invalid JSON with 1007', async () => {
    const server = await startErrorServer()
    const stillConverging = await honestPair(server, 'texts')
    const unknown = await attacker(server, 'texts')
    unknown.ws.send(JSON.stringify({ type: 'shout' }))
    expect(await unknown.closed).toEqual({ code: 1003, reason: 'unknown control message' })
    const badJson = await attacker(server, 'texts')
    badJson.ws.send('{not json')
    expect(await badJson.closed).toEqual({ code: 1007, reason: 'invalid text frame' })
    await stillConverging()
  })

  it('closes invalid UTF-8 in a text frame with 1007', async () => {
    const server = await startErrorServer()
    const bad = await attacker(server, 'utf8')
    // A text frame (opcode 1) whose payload is not UTF-8.
    const frame = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28])
    ;(bad.ws as unknown as { _socket: import('node:net').Socket })._socket.write(frame)
    expect((await bad.closed).code).toBe(1007)
  })

  it("closes with 1011, logged and counted, when the server itself fails on a frame: a bug is not the client's fault", async () => {
    const server = await startErrorServer()
    const stillConverging = await honestPair(server, 'bug')
    const victim = await attacker(server, 'bug')
    const room = server.server.rooms.get('bug')!
    const receive = room.receive.bind(room)
    // Our own code failing on a valid frame (here: a TypeError from a stand-in for a bug in the room).
    room.receive = (peer, message) => {
      if (peer.user.id === 'mallory') (undefined as unknown as { field: number }).field++
      receive(peer, message)
    }
    victim.ws.send(encodeAwarenessFrame(writeAwarenessEntries([])))
    expect(await victim.closed).toEqual({ code: 1011, reason: 'internal error' })
    expect(await scrapeMetrics(server)).toMatch(/sync_internal_errors_total 1\n/)
    await stillConverging()
  })

  it('never lets one bad socket disturb another room', async () => {
    const server = await startErrorServer()
    const stillConverging = await honestPair(server, 'calm')
    const bad = await attacker(server, 'storm')
    // Hand-built: an update frame whose payload is not a Yjs update.
    sendFramesAtOnce(bad, [new Uint8Array([0, 2, 3, 9, 9, 9])])
    expect((await bad.closed).code).toBe(1002)
    await stillConverging()
  })
})
