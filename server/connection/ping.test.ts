import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { SILENT_SOCKET_CLOSE, createAuthSocketClass, type SocketConstructor } from '../../lib/client/authSocket.ts'
import { PING_FRAME, PONG_FRAME, type AuthOkMessage } from '../../lib/protocol.ts'
import { startTestServer } from '../testing/fixture.ts'
import { TEST_ORIGIN, boardRecords, isControl, shape, tokenFor, waitUntil } from '../testing/support.ts'

/**
 * A TCP relay in front of the server whose open connections can be frozen: bytes stop flowing
 * both ways and nobody is told, as when a network path dies under an open socket (half-open TCP).
 * Connections made after a freeze flow normally.
 */
async function freezableRelay(targetPort: number): Promise<{ port: number; freeze(): void }> {
  const pairs = new Set<[net.Socket, net.Socket]>()
  const sockets = new Set<net.Socket>()
  const relay = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    const pair: [net.Socket, net.Socket] = [client, upstream]
    pairs.add(pair)
    const drop = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', drop).on('error', drop)
    upstream.on('close', drop).on('error', drop)
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => relay.close(resolve))
  })
  return {
    port: (relay.address() as net.AddressInfo).port,
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        client.pause()
        upstream.pause()
      }
      pairs.clear()
    },
  }
}

class NodeSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { headers: { origin: TEST_ORIGIN } })
  }
}

describe('liveness probe (ping → pong)', () => {
  it('auth-ok says the server answers pings; each ping gets a pong and the socket stays open; other control frames are still refused', async () => {
    const server = await startTestServer()
    const client = await server.authed('pinged')
    const authOk = JSON.parse(await client.received(isControl('auth-ok'))) as AuthOkMessage
    expect(authOk.ping).toBe(true)

    client.ws.send(PING_FRAME)
    client.ws.send(PING_FRAME)
    await waitUntil(() => client.messages.filter((message) => message === PONG_FRAME).length === 2, 'two pongs')
    expect(client.ws.readyState).toBe(WebSocket.OPEN)

    client.ws.send(PONG_FRAME)
    expect(await client.closed).toEqual({ code: 1003, reason: 'unknown control message' })
  })

  it('the browser wrapper closes a silent socket after two unanswered probes; the provider reconnects and syncs again', async () => {
    const server = await startTestServer()
    const relay = await freezableRelay(server.port)
    const doc = new Y.Doc()
    const closes: (number | undefined)[] = []
    const provider = new WebsocketProvider(`ws://127.0.0.1:${relay.port}`, 'silent', doc, {
      WebSocketPolyfill: createAuthSocketClass({
        getToken: () => tokenFor('silent', { sub: 'probed' }),
        WebSocketImpl: NodeSocket as unknown as SocketConstructor,
        probeMs: 200,
        isVisible: () => true,
      }) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      maxBackoffTime: 200,
    })
    onTestFinished(() => {
      provider.destroy()
      doc.destroy()
    })
    provider.on('connection-close', (event) => closes.push(event?.code))
    await waitUntil(() => provider.synced, 'first sync through the relay')

    relay.freeze()
    // The server's heartbeat (HEARTBEAT_MS, 30 s) and y-websocket's watchdog (30 s) would take far longer than this wait allows.
    await waitUntil(() => closes.includes(SILENT_SOCKET_CLOSE.code), 'the wrapper gives the silent socket up')
    await waitUntil(() => provider.synced && provider.wsconnected, 'reconnected and synced through a fresh connection')

    const other = server.connect('silent', { sub: 'other' })
    boardRecords(other.doc).set('shape:after', shape('shape:after'))
    await waitUntil(() => boardRecords(doc).has('shape:after'), "the other client's edit on the reconnected socket")
  })
})
