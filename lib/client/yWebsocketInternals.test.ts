/**
 * Canaries for what authSocket.ts assumes about y-websocket's WebsocketProvider beyond its
 * documented options (the `WebSocketPolyfill` option and the 4400–4499 close codes are
 * documented). Each test is named after one assumption and the code that rests on it, and runs a
 * real provider against a tiny real ws server on loopback.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { MessageType } from '../protocol.ts'
import { EMPTY_STATE_VECTOR, encodeSyncFrame, SyncStep } from '../wire.ts'
import { createAuthSocketClass, type SocketConstructor } from './authSocket.ts'

/** What the server got from its one client, in order: text as a string, binary as bytes. */
type Message = string | Uint8Array

interface TinyServer {
  url: string
  /** The path the client asked for, and the server side of its socket, once it connects. */
  connection: Promise<{ path: string; socket: WebSocket }>
  messages: Message[]
}

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startTinyServer(): Promise<TinyServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(wss, 'listening')
  const messages: Message[] = []
  const connection = new Promise<{ path: string; socket: WebSocket }>((resolve) => {
    wss.on('connection', (socket, request) => {
      socket.on('message', (data, isBinary) => messages.push(isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString()))
      resolve({ path: request.url ?? '', socket })
    })
  })
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate()
    wss.close()
    await once(wss, 'close')
  })
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connection, messages }
}

/** A provider on `server` through the auth-first socket, with the token handed over by `getToken`. */
function startProvider(server: TinyServer, getToken: () => Promise<string>): { provider: WebsocketProvider; AuthSocket: SocketConstructor } {
  const AuthSocket = createAuthSocketClass({ getToken, WebSocketImpl: WebSocket as unknown as SocketConstructor })
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.url, 'room-a', doc, {
    WebSocketPolyfill: AuthSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  cleanups.push(() => {
    provider.destroy()
    doc.destroy()
  })
  return { provider, AuthSocket }
}

describe('y-websocket internals authSocket.ts relies on', () => {
  it("WebsocketProvider builds its socket with new WebSocketPolyfill(url), listens through its on* properties and sends its first frame only from onopen, so the auth frame goes first (authSocket.ts: createAuthSocketClass)", async () => {
    const server = await startTinyServer()
    let handOverToken: (token: string) => void = () => {}
    const token = new Promise<string>((resolve) => (handOverToken = resolve))
    const { provider, AuthSocket } = startProvider(server, () => token)
    const { path } = await server.connection
    expect(path).toBe('/room-a')
    expect(provider.ws).toBeInstanceOf(AuthSocket)
    // The inner socket is open, but AuthSocket has not called onopen: the provider has sent nothing.
    expect(provider.wsconnected).toBe(false)
    handOverToken('token-a')
    await vi.waitUntil(() => server.messages.length >= 2, { timeout: 10_000, interval: 10 })
    expect(JSON.parse(server.messages[0] as string)).toEqual({ type: 'auth', token: 'token-a' })
    const [type, step] = server.messages[1] as Uint8Array
    expect([type, step]).toEqual([MessageType.sync, SyncStep.step1])
    expect(provider.wsconnected).toBe(true)
  })

  it("WebsocketProvider counts every message handed to onmessage as traffic (wsLastMessageReceived, read by its 30 s reconnect watchdog), and an awareness message listing no clients changes nothing and gets no answer (authSocket.ts: LIVENESS_FRAME)", async () => {
    const server = await startTinyServer()
    const { provider } = startProvider(server, async () => 'token-a')
    const { socket } = await server.connection
    // On open the provider sends sync step 1 and its awareness state (after AuthSocket's auth frame).
    await vi.waitUntil(() => provider.wsconnected && server.messages.length >= 3, { timeout: 10_000, interval: 10 })
    const statesBefore = provider.awareness.getStates().size
    const sentBefore = server.messages.length
    provider.wsLastMessageReceived = 0
    // A text control frame: AuthSocket keeps it from the provider and hands over LIVENESS_FRAME instead.
    socket.send(JSON.stringify({ type: 'saved', through: 0 }))
    await vi.waitUntil(() => provider.wsLastMessageReceived > 0, { timeout: 10_000, interval: 10 })
    expect(provider.awareness.getStates().size).toBe(statesBefore)
    // The provider answers a sync step 1 at once (step 2): had it answered the liveness frame, that answer would come first.
    socket.send(encodeSyncFrame(SyncStep.step1, EMPTY_STATE_VECTOR))
    await vi.waitUntil(() => server.messages.length > sentBefore, { timeout: 10_000, interval: 10 })
    const [type, step] = server.messages[sentBefore] as Uint8Array
    expect([type, step]).toEqual([MessageType.sync, SyncStep.step2])
    expect(provider.wsconnected).toBe(true)
  })
})
