/**
 * How the load generator talks to each server under test. Scenarios speak plain y-websocket
 * messages (a var-uint type, then the payload); a dialect adds what a server needs around them:
 * how a socket is opened and authenticated, how a message is framed and how a received frame
 * is read back into a y-websocket message.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeFrame, MalformedFrameError, SyncStep, type WireFrame } from '../lib/wire.ts'

/** What a received frame means to the generator. */
export type ReceivedFrame =
  | { kind: 'authenticated' }
  | { kind: 'refused'; reason: string }
  /** A y-websocket message (payloads are views into the received bytes). */
  | { kind: 'message'; message: WireFrame }
  | { kind: 'control'; text: string }
  | { kind: 'other' }

export interface Dialect {
  /** The socket URL for a room. */
  url(baseUrl: string, room: string): string
  /** Frames to send as soon as the socket opens, before any sync message. */
  openingFrames(room: string, token: string): (string | Uint8Array)[]
  /** True when the socket counts as authenticated once it is open (no auth exchange). */
  readonly authenticatedOnOpen: boolean
  /** Wraps one y-websocket message (type var-uint first) for the wire. */
  frame(room: string, message: Uint8Array): Uint8Array
  read(data: Buffer, isBinary: boolean): ReceivedFrame
}

function asUint8Array(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/** A binary y-websocket frame; one of a type the generator does not speak (such as y-websocket's auth) is 'other'. */
function readYWebsocketMessage(data: Buffer): ReceivedFrame {
  try {
    return { kind: 'message', message: decodeFrame(asUint8Array(data)) }
  } catch (error) {
    if (error instanceof MalformedFrameError) return { kind: 'other' }
    throw error
  }
}

/** y-websocket's reference server: the bare protocol, no authentication. */
export const yWebsocketDialect: Dialect = {
  url: (baseUrl, room) => `${baseUrl}/${room}`,
  openingFrames: () => [],
  authenticatedOnOpen: true,
  frame: (_room, message) => message,
  read: (data, isBinary) => (isBinary ? readYWebsocketMessage(data) : { kind: 'other' }),
}

/** This project's server: a JSON auth frame first, control JSON in text frames (docs/protocol.md). */
export const whiteboardDialect: Dialect = {
  url: (baseUrl, room) => `${baseUrl}/${room}`,
  openingFrames: (_room, token) => [JSON.stringify({ type: 'auth', token })],
  authenticatedOnOpen: false,
  frame: (_room, message) => message,
  read(data, isBinary) {
    if (!isBinary) {
      const text = data.toString()
      if (text.startsWith('{"type":"auth-ok"')) return { kind: 'authenticated' }
      return { kind: 'control', text }
    }
    return readYWebsocketMessage(data)
  },
}

/**
 * Hocuspocus: every message starts with the document name, then its own message type
 * (0 sync, 1 awareness, 2 auth, 4 sync reply, 8 sync status, …). The client must send an
 * auth message (token, then provider version) before the document is opened for it.
 * Encoded and decoded by hand here: this is Hocuspocus's protocol, not ours (lib/wire.ts).
 */
const HocuspocusMessage = { sync: 0, awareness: 1, auth: 2, syncReply: 4 } as const
const HocuspocusAuth = { token: 0, permissionDenied: 1, authenticated: 2 } as const

export const hocuspocusDialect: Dialect = {
  url: (baseUrl) => baseUrl,
  openingFrames(room, token) {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, room)
    encoding.writeVarUint(encoder, HocuspocusMessage.auth)
    encoding.writeVarUint(encoder, HocuspocusAuth.token)
    encoding.writeVarString(encoder, token)
    return [encoding.toUint8Array(encoder)]
  },
  authenticatedOnOpen: false,
  frame(room, message) {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, room)
    encoding.writeUint8Array(encoder, message)
    return encoding.toUint8Array(encoder)
  },
  read(data, isBinary) {
    if (!isBinary) return { kind: 'other' }
    const decoder = decoding.createDecoder(asUint8Array(data))
    decoding.readVarString(decoder)
    const type = decoding.readVarUint(decoder)
    if (type === HocuspocusMessage.sync || type === HocuspocusMessage.syncReply) {
      const step = decoding.readVarUint(decoder)
      if (step !== SyncStep.step1 && step !== SyncStep.step2 && step !== SyncStep.update) return { kind: 'other' }
      return { kind: 'message', message: { type: 'sync', step, payload: decoding.readVarUint8Array(decoder) } }
    }
    if (type === HocuspocusMessage.awareness) return { kind: 'message', message: { type: 'awareness', update: decoding.readVarUint8Array(decoder) } }
    if (type === HocuspocusMessage.auth) {
      const authType = decoding.readVarUint(decoder)
      if (authType === HocuspocusAuth.authenticated) return { kind: 'authenticated' }
      if (authType === HocuspocusAuth.permissionDenied) return { kind: 'refused', reason: decoding.readVarString(decoder) }
    }
    return { kind: 'other' }
  },
}
