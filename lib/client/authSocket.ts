import { MessageType, PING_FRAME, parseServerControl, type AuthMessage, type SerializedSchemaVersions, type ServerControlMessage } from '../protocol.ts'

/** The part of the WebSocket API that y-websocket's provider and this wrapper use. */
export interface SocketLike {
  binaryType: string
  readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: ArrayBufferLike | ArrayBufferView | string): void
  close(code?: number, reason?: string): void
}

export type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike

export interface AuthSocketOptions {
  /** Fetches a fresh room token; called once per (re)connection. An error with `permanent: true` stops reconnecting. */
  getToken: () => Promise<string>
  /** Receives the server's text control frames (auth-ok, presence, saved). */
  onControl?: (message: ServerControlMessage) => void
  /**
   * Called on each `saved` frame: true when every document update this socket has sent is
   * durably stored (the frame's `through` covers them all), false while some are still in flight.
   */
  onSaved?: (allSentAreStored: boolean) => void
  /** The client's tldraw schema, sent with the auth frame so the server can refuse a newer one. */
  schema?: SerializedSchemaVersions
  /** The WebSocket implementation: the browser's by default, `ws` in Node. */
  WebSocketImpl?: SocketConstructor
  /**
   * Probe the socket every this many ms with a `ping` frame (to servers whose auth-ok says they
   * answer it) while `isVisible()`; a socket that brings nothing back for SILENT_AFTER_PROBES probes
   * is taken as dead: closed with SILENT_SOCKET_CLOSE, so the provider reconnects. Unset: no probe.
   */
  probeMs?: number
  /** Whether to probe now; by default while the page is not hidden (a hidden tab's timers are throttled). */
  isVisible?: () => boolean
}

/** Close code the wrapper uses when it could not get a token; y-websocket reconnects after it. */
export const TOKEN_UNAVAILABLE_CLOSE = 4000
/** Close code for a token refused for good (the board is gone): 44xx, so y-websocket stops retrying. */
export const TOKEN_REFUSED_CLOSE = 4404
/** Close the wrapper reports (and sends, should the server still hear) for a socket that stopped answering probes; y-websocket reconnects. */
export const SILENT_SOCKET_CLOSE = { code: 4001, reason: 'no answer from the server' } as const
/** Probes in a row without any frame back after which a socket is dead: about two probe intervals of silence. */
export const SILENT_AFTER_PROBES = 2

const pageIsVisible = () => typeof document === 'undefined' || document.visibilityState !== 'hidden'

// An awareness message listing no clients: it changes nothing but tells the provider the
// connection is alive, since the provider only counts the frames handed to its onmessage as
// traffic (y-websocket internals; canaries in yWebsocketInternals.test.ts).
const LIVENESS_FRAME = new Uint8Array([MessageType.awareness, 1, 0]).buffer

/** A y-websocket sync step 2 or update frame: what the server acknowledges with `saved`. */
function isDocumentUpdate(data: ArrayBufferLike | ArrayBufferView): boolean {
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, Math.min(2, data.byteLength)) : new Uint8Array(data, 0, Math.min(2, data.byteLength))
  return bytes.length === 2 && bytes[0] === MessageType.sync && (bytes[1] === 1 || bytes[1] === 2)
}

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/**
 * Builds a WebSocket class for y-websocket's `WebSocketPolyfill` option that speaks the
 * auth-first contract: on open it sends `{"type":"auth","token"}` before the provider's
 * first frame (the provider sends nothing before its socket's onopen), and it keeps the
 * server's text control frames away from the provider, which only ever sees binary Yjs frames.
 */
export function createAuthSocketClass(options: AuthSocketOptions): SocketConstructor {
  const Impl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as SocketConstructor)

  return class AuthSocket implements SocketLike {
    static readonly CONNECTING = CONNECTING
    static readonly OPEN = OPEN
    static readonly CLOSING = CLOSING
    static readonly CLOSED = CLOSED
    readonly CONNECTING = CONNECTING
    readonly OPEN = OPEN
    readonly CLOSING = CLOSING
    readonly CLOSED = CLOSED

    binaryType = 'arraybuffer'
    readyState = CONNECTING
    onopen: SocketLike['onopen'] = null
    onmessage: SocketLike['onmessage'] = null
    onclose: SocketLike['onclose'] = null
    onerror: SocketLike['onerror'] = null
    private readonly inner: SocketLike
    /** Sync step-2 and update frames sent on this socket, as the server counts them. */
    private updatesSent = 0
    private probeTimer: ReturnType<typeof setInterval> | null = null
    /** Probes sent since the last frame from the server. */
    private unansweredProbes = 0

    constructor(url: string, protocols?: string | string[]) {
      this.inner = new Impl(url, protocols)
      this.inner.binaryType = 'arraybuffer'
      this.inner.onopen = () => void this.authenticate()
      this.inner.onmessage = (event) => this.receive(event.data)
      this.inner.onerror = (event) => this.onerror?.(event)
      this.inner.onclose = (event) => this.closed(event)
    }

    private closed(event: { code: number; reason: string }): void {
      this.stopProbing()
      this.readyState = CLOSED
      this.onclose?.(event)
    }

    private startProbing(): void {
      const { probeMs, isVisible = pageIsVisible } = options
      if (!probeMs || this.probeTimer) return
      this.probeTimer = setInterval(() => {
        // Silence while hidden proves nothing (throttled timers): judge only what visible probes bring back.
        if (!isVisible()) {
          this.unansweredProbes = 0
          return
        }
        if (this.unansweredProbes >= SILENT_AFTER_PROBES) return this.abandon()
        if (this.inner.readyState !== OPEN) return
        this.unansweredProbes++
        this.inner.send(PING_FRAME)
      }, probeMs)
    }

    private stopProbing(): void {
      if (this.probeTimer) clearInterval(this.probeTimer)
      this.probeTimer = null
    }

    /** A silent socket may never report its close (half-open TCP): tell the provider now and let the socket go. */
    private abandon(): void {
      this.inner.onmessage = null
      this.inner.onclose = null
      this.inner.onerror = () => {}
      this.inner.close(SILENT_SOCKET_CLOSE.code, SILENT_SOCKET_CLOSE.reason)
      this.closed({ ...SILENT_SOCKET_CLOSE })
    }

    private async authenticate(): Promise<void> {
      let token: string
      try {
        token = await options.getToken()
      } catch (error) {
        const permanent = (error as { permanent?: unknown } | null)?.permanent === true
        if (permanent) this.inner.close(TOKEN_REFUSED_CLOSE, 'board not found')
        else this.inner.close(TOKEN_UNAVAILABLE_CLOSE, 'token unavailable')
        return
      }
      if (this.inner.readyState !== OPEN) return
      const auth: AuthMessage = { type: 'auth', token, ...(options.schema ? { schema: options.schema } : {}) }
      this.inner.send(JSON.stringify(auth))
      this.readyState = OPEN
      this.onopen?.({})
    }

    private receive(data: unknown): void {
      this.unansweredProbes = 0
      if (typeof data === 'string') {
        const message = parseServerControl(data)
        if (message?.type === 'auth-ok' && message.ping) this.startProbing()
        if (message) options.onControl?.(message)
        if (message?.type === 'saved') options.onSaved?.(message.through >= this.updatesSent)
        this.onmessage?.({ data: LIVENESS_FRAME })
        return
      }
      this.onmessage?.({ data })
    }

    send(data: ArrayBufferLike | ArrayBufferView | string): void {
      if (this.readyState !== OPEN) return
      if (typeof data !== 'string' && isDocumentUpdate(data)) this.updatesSent++
      this.inner.send(data)
    }

    close(code?: number, reason?: string): void {
      if (this.readyState === CLOSED) return
      this.stopProbing()
      this.readyState = CLOSING
      this.inner.close(code, reason)
    }
  }
}
