import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PING_FRAME, PONG_FRAME, type AuthOkMessage } from '../protocol.ts'
import { SILENT_SOCKET_CLOSE, createAuthSocketClass, type SocketConstructor, type SocketLike } from './authSocket.ts'

/** An in-memory socket standing for the browser's: records what the wrapper sends, and lets the test answer. */
class MemorySocket implements SocketLike {
  static last: MemorySocket | null = null
  binaryType = 'blob'
  readyState = 0
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  sent: (string | ArrayBufferLike | ArrayBufferView)[] = []
  closedWith: { code?: number; reason?: string } | null = null

  constructor() {
    MemorySocket.last = this
  }
  send(data: string | ArrayBufferLike | ArrayBufferView) {
    this.sent.push(data)
  }
  close(code?: number, reason?: string) {
    this.closedWith = { code, reason }
  }
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(data: string) {
    this.onmessage?.({ data })
  }
  pings() {
    return this.sent.filter((data) => data === PING_FRAME).length
  }
}

const PROBE_MS = 1_000
const authOk = (ping: boolean) =>
  JSON.stringify({ type: 'auth-ok', room: 'r', scope: 'edit', user: { id: 'u', name: 'U', color: '#000000' }, heartbeatMs: 30_000, ...(ping ? { ping: true } : {}) } satisfies AuthOkMessage)

/** A wrapped socket, authenticated, whose server said (or not) that it answers pings. */
async function liveSocket(options: { ping: boolean; visible?: () => boolean }) {
  const Socket = createAuthSocketClass({
    getToken: async () => 'token',
    WebSocketImpl: MemorySocket as unknown as SocketConstructor,
    probeMs: PROBE_MS,
    isVisible: options.visible ?? (() => true),
  })
  const socket = new Socket('ws://sync.test/r')
  const closes: { code: number; reason: string }[] = []
  socket.onclose = (event) => closes.push(event)
  const inner = MemorySocket.last!
  inner.open()
  await vi.waitFor(() => expect(socket.readyState).toBe(1))
  inner.receive(authOk(options.ping))
  return { socket, inner, closes }
}

describe('the socket wrapper probe', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends a ping every probeMs and gives the socket up after two in a row bring nothing back', async () => {
    const { inner, closes } = await liveSocket({ ping: true })
    vi.advanceTimersByTime(PROBE_MS)
    expect(inner.pings()).toBe(1)
    inner.receive(PONG_FRAME)
    vi.advanceTimersByTime(PROBE_MS * 2)
    expect(inner.pings()).toBe(3)
    expect(closes).toEqual([])
    vi.advanceTimersByTime(PROBE_MS)
    expect(closes).toEqual([{ ...SILENT_SOCKET_CLOSE }])
    expect(inner.closedWith).toEqual({ ...SILENT_SOCKET_CLOSE })
    // Given up: no more probes, and a late close of the old socket is not reported again.
    vi.advanceTimersByTime(PROBE_MS * 5)
    expect(inner.pings()).toBe(3)
    inner.onclose?.({ code: 1006, reason: '' })
    expect(closes).toHaveLength(1)
  })

  it('any frame from the server counts as an answer', async () => {
    const { inner, closes } = await liveSocket({ ping: true })
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(PROBE_MS)
      inner.receive(JSON.stringify({ type: 'presence', peers: [], at: i }))
    }
    expect(closes).toEqual([])
  })

  it('never pings a server whose auth-ok does not say it answers', async () => {
    const { inner, closes } = await liveSocket({ ping: false })
    vi.advanceTimersByTime(PROBE_MS * 10)
    expect(inner.pings()).toBe(0)
    expect(closes).toEqual([])
  })

  it('a hidden page neither probes nor judges; once visible, it probes again', async () => {
    let visible = false
    const { inner, closes } = await liveSocket({ ping: true, visible: () => visible })
    vi.advanceTimersByTime(PROBE_MS * 10)
    expect(inner.pings()).toBe(0)
    visible = true
    vi.advanceTimersByTime(PROBE_MS * 2)
    expect(inner.pings()).toBe(2)
    expect(closes).toEqual([])
  })

  it('stops probing when the provider closes the socket', async () => {
    const { socket, inner } = await liveSocket({ ping: true })
    socket.close()
    vi.advanceTimersByTime(PROBE_MS * 5)
    expect(inner.pings()).toBe(0)
  })
})
