import type http from 'node:http'
import { isValidRoomId } from '../../lib/protocol.ts'
import { verifyInternalToken, type InternalAction } from '../../lib/token.ts'
import type { Logger } from '../log.ts'
import type { Revocation } from '../fanout/linkRevocations.ts'
import type { RoomRegistry } from '../room/registry.ts'
import type { BoardRows, VersionStore } from '../storage/roomStore.ts'
import { readPresence, readState, renameBoard, revokeLinks } from './boardsEndpoint.ts'
import { restoreVersion, saveVersion } from './versionsEndpoint.ts'
import { fail, HttpAnswer } from './httpAnswer.ts'

/**
 * The sync server's internal endpoints (docs/protocol.md, "Internal endpoints"), called by the app
 * only, each with a 60-second internal token for its room and action (lib/token.ts). They live here
 * because only the sync server holds the live documents and the sockets.
 */
export interface InternalEndpointsContext {
  rooms: RoomRegistry
  store: Pick<VersionStore, 'saveVersion' | 'listVersions' | 'readVersion'> & Pick<BoardRows, 'roomExists' | 'setRoomName'>
  authSecret: string
  log: Logger
  /** Closes a revocation's sockets on every instance; returns how many were closed on this one. */
  revoke: (revocation: Revocation) => number
}

/** The largest body accepted: a restore of ten thousand shape ids fits. */
const MAX_BODY_BYTES = 1024 * 1024

/** The endpoints under `/internal/rooms/<roomId>/`, with the action their token must name. */
const ROOM_ENDPOINTS: Record<string, InternalAction> = {
  versions: 'save-version',
  restore: 'restore',
  revoke: 'revoke',
  state: 'read-state',
  name: 'rename',
}

const ROOM_PATH = /^\/internal\/rooms\/([^/]+)\/([a-z]+)$/
const PRESENCE_PATH = '/internal/presence'
/** The room a presence token names: it reads many rooms at once. */
const ANY_ROOM = '*'

/** What a handler answers: JSON, or bytes (application/octet-stream). */
type Answer = { status: number; body: object } | { status: number; bytes: Uint8Array }

/** True when `path` is one of the internal endpoints (the caller then leaves the answer to serveInternal). */
export function isInternalPath(path: string): boolean {
  return path.startsWith('/internal/')
}

/** Answers one request to an internal endpoint; never throws (an unexpected failure answers 500 and is logged). */
export async function serveInternal(req: http.IncomingMessage, res: http.ServerResponse, path: string, context: InternalEndpointsContext): Promise<void> {
  let answer: Answer = { status: 500, body: { error: 'internal error' } }
  try {
    answer = await answerInternal(req, path, context)
  } catch (error) {
    if (error instanceof HttpAnswer) answer = { status: error.status, body: error.body }
    else context.log.error({ err: error, path }, 'internal endpoint failed')
  }
  if ('bytes' in answer) {
    res.writeHead(answer.status, { 'content-type': 'application/octet-stream', 'content-length': answer.bytes.byteLength, 'cache-control': 'no-store' })
    res.end(answer.bytes)
    return
  }
  const text = JSON.stringify(answer.body)
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  res.end(text)
}

async function answerInternal(req: http.IncomingMessage, path: string, context: InternalEndpointsContext): Promise<Answer> {
  const match = ROOM_PATH.exec(path)
  const action = match ? ROOM_ENDPOINTS[match[2]] : path === PRESENCE_PATH ? 'presence' : undefined
  const roomId = match ? match[1] : ANY_ROOM
  if (!action || (match && !isValidRoomId(roomId))) throw fail(404, 'not found')
  if (req.method !== 'POST') throw fail(405, 'method not allowed')
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
  if (!token || !(await verifyInternalToken(token, context.authSecret, roomId, action))) throw fail(401, 'missing or invalid internal token')
  // The state endpoint takes no parameters: an empty body is as good as `{}`.
  const json = await readJsonBody(req, action === 'read-state')
  switch (action) {
    case 'save-version':
      return { status: 201, body: await saveVersion(roomId, json, context) }
    case 'restore':
      return { status: 200, body: await restoreVersion(roomId, json, context) }
    case 'revoke':
      return { status: 200, body: revokeLinks(roomId, json, context) }
    case 'read-state':
      return { status: 200, bytes: await readState(roomId, context) }
    case 'rename':
      return { status: 200, body: await renameBoard(roomId, json, context) }
    case 'presence':
      return { status: 200, body: readPresence(json, context) }
  }
}

/** The request's JSON body (400 if it is not JSON, unless empty and `emptyAllowed`; 413 if larger than MAX_BODY_BYTES). */
async function readJsonBody(req: http.IncomingMessage, emptyAllowed = false): Promise<unknown> {
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) throw fail(413, 'body too large')
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength
    if (total > MAX_BODY_BYTES) throw fail(413, 'body too large')
    chunks.push(chunk)
  }
  if (emptyAllowed && total === 0) return {}
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw fail(400, 'body must be JSON')
  }
}
