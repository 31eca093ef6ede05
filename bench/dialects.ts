/**
 * How the load generator talks to each server under test. Scenarios speak plain y-websocket
 * messages (a var-uint type, then the payload); a dialect adds what a server needs around them:
 * how a socket is opened and authenticated, how a message is framed and how a received frame
 * is read back into a y-websocket message.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MessageType } from '../lib/protocol.ts'

/** What a received frame means to the generator. */
export type ReceivedFrame =
  | { kind: 'authenticated' }
  | { kind: 'refused'; reason: string }
  /** A y-websocket message; the decoder sits just after the message type. */
  | { kind: 'sync' | 'awareness'; decoder: decoding.Decoder }
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

function readYWebsocketMessage(decoder: decoding.Decoder, type: number): ReceivedFrame {
  if (type === MessageType.sync) return { kind: 'sync', decoder }
  if (type === MessageType.awareness) return { kind: 'awareness', decoder }
  return { kind: 'other' }
}

/** y-websocket's reference server: the bare protocol, no authentication. */
export const yWebsocketDialect: Dialect = {
  url: (baseUrl, room) => `${baseUrl}/${room}`,
  openingFrames: () => [],
  authenticatedOnOpen: true,
  frame: (_room, message) => message,
  read(data, isBinary) {
    if (!isBinary) return { kind: 'other' }
    const decoder = decoding.createDecoder(asUint8Array(data))
    return readYWebsocketMessage(decoder, decoding.readVarUint(decoder))
  },
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
    const decoder = decoding.createDecoder(asUint8Array(data))
    return readYWebsocketMessage(decoder, decoding.readVarUint(decoder))
  },
}

/**
 * Hocuspocus: every message starts with the document name, then its own message type
 * (0 sync, 1 awareness, 2 auth, 4 sync reply, 8 sync status, …). The client must send an
 * auth message (token, then provider version) before the document is opened for it.
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
    if (type === HocuspocusMessage.sync || type === HocuspocusMessage.syncReply) return { kind: 'sync', decoder }
    if (type === HocuspocusMessage.awareness) return { kind: 'awareness', decoder }
    if (type === HocuspocusMessage.auth) {
      const authType = decoding.readVarUint(decoder)
      if (authType === HocuspocusAuth.authenticated) return { kind: 'authenticated' }
      if (authType === HocuspocusAuth.permissionDenied) return { kind: 'refused', reason: decoding.readVarString(decoder) }
    }
    return { kind: 'other' }
  },
}
