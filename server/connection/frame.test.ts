import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { frameMessage, SHARED_FRAME_MAX_BYTES, sharedFrame } from './frame.ts'

/** The private parts of ws's WebSocket that frame.ts's assumption is about (ws 8.23). */
interface WsInternals {
  _socket: Duplex
  _sender: { _queue: unknown[]; _state: number; _bufferedBytes: number }
}

/** A message as the client got it: binary bytes, or text. */
type Received = { binary: boolean; bytes: Buffer }

interface Pair {
  /** The server side of the connection, and the socket it was upgraded from (what Connection gets). */
  server: WebSocket
  socket: Duplex
  received: Received[]
  /** Resolves once the client has received `count` messages in all. */
  receivedCount(count: number): Promise<void>
}

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A real ws server (upgraded by hand, as server/http/syncServer.ts does) and one real client, on loopback. */
async function connectPair(perMessageDeflate: boolean): Promise<Pair> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate })
  const http: Server = createServer()
  const accepted = new Promise<{ server: WebSocket; socket: Duplex }>((resolve) => {
    http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (server) => resolve({ server, socket })))
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`, { perMessageDeflate })
  const received: Received[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  client.on('message', (data, isBinary) => {
    received.push({ binary: isBinary, bytes: Buffer.from(data as Buffer) })
    for (const waiter of waiters) if (received.length >= waiter.count) waiter.resolve()
  })
  const [{ server, socket }] = await Promise.all([accepted, once(client, 'open')])
  cleanups.push(async () => {
    client.terminate()
    wss.close()
    http.close()
    await once(http, 'close')
  })
  const receivedCount = (count: number) =>
    received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))
  return { server, socket, received, receivedCount }
}

function bytes(length: number, seed: number): Uint8Array {
  const array = new Uint8Array(length)
  for (let i = 0; i < length; i++) array[i] = (i * 31 + seed) & 0xff
  return array
}

describe('frameMessage', () => {
  it('makes one unmasked, final frame (binary, or text for a string) holding the whole message, for every length class', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const payload = bytes(length, length)
      const frame = frameMessage(payload)
      const header = length < 126 ? 2 : length < 65_536 ? 4 : 10
      expect(frame[0], `${length} bytes`).toBe(0x82)
      expect(frame[1] & 0x80, `${length} bytes: unmasked`).toBe(0)
      expect(frame.byteLength, `${length} bytes`).toBe(header + length)
      expect(frame.subarray(header).equals(payload), `${length} bytes`).toBe(true)
      expect(frameMessage('é'.repeat(Math.floor(length / 2)))[0]).toBe(0x81)
    }
  })

  it('frames a view into a larger buffer from its own bytes only', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9])
    expect([...frameMessage(backing.subarray(2, 5))]).toEqual([0x82, 3, 1, 2, 3])
  })
})

describe('sharedFrame', () => {
  it('leaves a message to its first socket, then frames it once for the sockets after it', () => {
    const first = new Uint8Array([1, 2, 3])
    expect(sharedFrame(first)).toBeNull()
    const frame = sharedFrame(first)
    expect(frame?.equals(frameMessage(first))).toBe(true)
    expect(sharedFrame(first)).toBe(frame)
    const second = new Uint8Array([1, 2, 3])
    expect(sharedFrame(second)).toBeNull()
    expect(sharedFrame(second)).not.toBe(frame)
  })
})

describe('shared frames on a real ws connection', () => {
  it('reach the client intact and in order when interleaved with ws.send on the same socket', async () => {
    const { server, socket, received, receivedCount } = await connectPair(false)
    const sent: Received[] = []
    // Every size class, shared frames and ws's own (binary, text, and larger than a shared frame).
    const lengths = [0, 3, 125, 126, 1_000, 65_535, SHARED_FRAME_MAX_BYTES, 70_000, 300_000]
    for (let i = 0; i < 60; i++) {
      const payload = bytes(lengths[i % lengths.length], i)
      if (i % 3 === 0) {
        socket.write(frameMessage(payload))
        sent.push({ binary: true, bytes: Buffer.from(payload) })
      } else if (i % 3 === 1) {
        server.send(payload)
        sent.push({ binary: true, bytes: Buffer.from(payload) })
      } else {
        const text = `message ${i} ${'é'.repeat(i * 50)}`
        server.send(text)
        sent.push({ binary: false, bytes: Buffer.from(text) })
      }
    }
    await receivedCount(sent.length)
    expect(received.length).toBe(sent.length)
    for (let i = 0; i < sent.length; i++) {
      expect(received[i].binary, `message ${i}`).toBe(sent[i].binary)
      expect(received[i].bytes.equals(sent[i].bytes), `message ${i}`).toBe(true)
    }
  })
})

describe('ws internals frame.ts and connection.ts rely on', () => {
  it("ws's sender queues nothing (ws._sender._queue empty, ws._sender._state 0) and writes each frame to the upgrade socket (ws._socket) within send(), unless permessage-deflate is on (frame.ts; connection.ts: send)", async () => {
    const plain = await connectPair(false)
    const ws = plain.server as unknown as WsInternals
    expect(ws._socket).toBe(plain.socket)
    const before = (plain.socket as unknown as { bytesWritten: number }).bytesWritten
    plain.server.send(bytes(2_000, 1))
    plain.server.send('text')
    expect((plain.socket as unknown as { bytesWritten: number }).bytesWritten - before).toBe(4 + 2_000 + 2 + 4)
    expect(ws._sender._queue).toEqual([])
    expect(ws._sender._state).toBe(0)

    // With permessage-deflate, ws holds a message back while it compresses: a frame written to the socket meanwhile would overtake it.
    const deflating = await connectPair(true)
    const compressing = deflating.server as unknown as WsInternals
    deflating.server.send(bytes(2_000, 1))
    deflating.server.send(bytes(10, 2))
    expect(compressing._sender._state).not.toBe(0)
    expect(compressing._sender._queue.length).toBe(1)
    await deflating.receivedCount(2)
  })

  it("ws.bufferedAmount counts bytes written straight to ws._socket (it reads the socket's writable state), so connection.ts's send-buffer limit sees shared frames (connection.ts: send)", async () => {
    const { server, socket, receivedCount } = await connectPair(false)
    // More than the kernel takes at once, so some stays in the socket's own buffer.
    socket.write(frameMessage(bytes(16 * 1024 * 1024, 3)))
    expect(socket.writableLength).toBeGreaterThan(0)
    expect(server.bufferedAmount).toBe(socket.writableLength)
    await receivedCount(1)
  })
})
