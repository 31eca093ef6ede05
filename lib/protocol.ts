/**
 * The wire contract between the board and the sync server (docs/protocol.md).
 * Text frames carry control JSON; binary frames carry the y-websocket protocol.
 */

/** y-websocket message types carried in binary frames. */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
} as const

/**
 * Every reason the server closes a socket, with its close code. Errors that end
 * a connection are mapped to one of these in exactly one place (server/connection/closeReasons.ts).
 */
export const Close = {
  shuttingDown: { code: 1001, reason: 'server shutting down' },
  malformed: { code: 1002, reason: 'malformed message' },
  unsupportedText: { code: 1003, reason: 'unknown control message' },
  invalidText: { code: 1007, reason: 'invalid text frame' },
  // invalid document content: 1007 with the validator's reason (server/room/validation.ts)
  authTimeout: { code: 1008, reason: 'auth timeout' },
  authRequired: { code: 1008, reason: 'auth required' },
  authInvalid: { code: 1008, reason: 'invalid token' },
  authExpired: { code: 1008, reason: 'token expired' },
  roomMismatch: { code: 1008, reason: 'token not valid for this room' },
  authQueueFull: { code: 1008, reason: 'too many messages before auth' },
  authFrameTooLarge: { code: 1008, reason: 'auth frame too large' },
  preAuthTooLarge: { code: 1008, reason: 'too many bytes before auth' },
  readOnly: { code: 1008, reason: 'read-only' },
  rateLimited: { code: 1008, reason: 'rate limit exceeded' },
  awarenessTooLarge: { code: 1008, reason: 'awareness state too large' },
  // MAX_DOC_BYTES: the board's current content (server/room/documentSize.ts), not its history; deleting always fits.
  docTooLarge: { code: 1009, reason: 'board is full: delete shapes or images to make room' },
  roomFull: { code: 1013, reason: 'room full' },
  // 4400–4499: y-websocket's provider does not reconnect after these.
  schemaTooNew: { code: 4426, reason: 'board version is newer than the server; please reload' },
  // The owner reset the link this socket was opened with, or moved the board to the trash.
  linkRevoked: { code: 4410, reason: 'link revoked' },
  boardDeleted: { code: 4410, reason: 'board deleted' },
  internal: { code: 1011, reason: 'internal error' },
  roomUnavailable: { code: 1011, reason: 'room unavailable' },
} as const

export interface CloseReason {
  code: number
  reason: string
}

export type Scope = 'edit' | 'view'

/** The identity the server shows to others: always taken from the verified token. */
export interface PeerIdentity {
  id: string
  name: string
  color: string
}

export interface AuthMessage {
  type: 'auth'
  token: string
  /** The client's tldraw schema (`schema.serialize()`); a newer one than the server reads is refused. */
  schema?: SerializedSchemaVersions
}

/** The part of tldraw's serialized schema the server compares: a version per migration sequence. */
export interface SerializedSchemaVersions {
  schemaVersion: number
  sequences: Record<string, number>
}

/** True when `client` has a migration sequence at a version `server` does not know yet. */
export function isSchemaNewer(client: SerializedSchemaVersions, server: SerializedSchemaVersions): boolean {
  if (client.schemaVersion > server.schemaVersion) return true
  return Object.entries(client.sequences ?? {}).some(([id, version]) => version > (server.sequences[id] ?? -1))
}

export interface AuthOkMessage {
  type: 'auth-ok'
  room: string
  scope: Scope
  user: PeerIdentity
  heartbeatMs: number
  /** This server answers a `ping` frame with a `pong` frame; absent from servers that predate them (which close 1003 on a ping). */
  ping?: true
}

export interface PresencePeer extends PeerIdentity {
  scope: Scope
  /** How many sockets this user has open in the room (tabs, devices). */
  connections: number
}

export interface PresenceMessage {
  type: 'presence'
  peers: PresencePeer[]
  at: number
}

export interface SavedMessage {
  type: 'saved'
  at: number
  /** How many sync update / step-2 frames from this socket are now durable (all of them up to this count). */
  through: number
}

/** The answer to a client's `ping`: proof that the socket still carries traffic both ways. */
export interface PongMessage {
  type: 'pong'
}

/** Control frames the server sends. */
export type ServerControlMessage = AuthOkMessage | PresenceMessage | SavedMessage | PongMessage

/**
 * The one control frame a client may send after auth: the browser cannot send WebSocket pings,
 * so it probes with this to notice a silent (half-open) socket within seconds.
 */
export const PING_FRAME = '{"type":"ping"}'
export const PONG_FRAME = '{"type":"pong"}'

/** The Y.Map of a board's Y.Doc that holds its tldraw records, keyed by record id. */
export const BOARD_RECORDS_MAP = 'records'

/** Room ids: URL-safe and bounded; anything else is refused at the upgrade. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function isValidRoomId(id: string): boolean {
  return ROOM_ID_PATTERN.test(id)
}

/** Parses a server control frame; returns null for anything that is not one. */
export function parseServerControl(text: string): ServerControlMessage | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const type = (value as { type?: unknown }).type
  if (type === 'auth-ok' || type === 'presence' || type === 'saved' || type === 'pong') return value as ServerControlMessage
  return null
}
