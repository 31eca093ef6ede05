import * as Y from 'yjs'
import { z } from 'zod'
import { isValidRoomId, type PeerIdentity } from '../../lib/protocol.ts'
import { DocumentTooLargeError, RoomUnavailableError } from '../room/errors.ts'
import { computeRename } from '../room/rename.ts'
import type { Room } from '../room/room.ts'
import { ServerOrigin } from '../room/roomDocument.ts'
import { InvalidUpdateError } from '../room/validation.ts'
import { boardNameOf, MAX_ROOM_NAME_CHARS } from '../storage/roomStore.ts'
import { MalformedUpdateError } from '../yjs/updateReader.ts'
import { fail } from './httpAnswer.ts'
import type { InternalEndpointsContext } from './internalEndpoints.ts'
import { loadedRoom } from './versionsEndpoint.ts'

/**
 * The board endpoints of the sync server (docs/protocol.md, "Internal endpoints"), routed by
 * internalEndpoints.ts, for the app's board list and its owner actions:
 * - `POST /internal/rooms/<roomId>/revoke` `{ linkIds, reason }` → 200 `{ closed }`
 * - `POST /internal/rooms/<roomId>/state` → 200 the room's whole Yjs state (octet-stream)
 * - `POST /internal/rooms/<roomId>/name` `{ name }` → 200 `{ name }`
 * - `POST /internal/presence` `{ rooms }` → 200 `{ rooms: { <roomId>: [{ id, name, color }] } }`
 */

/** The most rooms one presence request may ask about (a page of the board list). */
export const MAX_PRESENCE_ROOMS = 200
/** The most link ids one revocation names (a board has two links; a few old ones at most). */
const MAX_REVOKED_LINKS = 16

const revokeBody = z.object({
  linkIds: z.array(z.string().refine(isValidRoomId)).max(MAX_REVOKED_LINKS),
  reason: z.enum(['link revoked', 'board deleted']),
})

const renameBody = z.object({ name: z.string() })

const presenceBody = z.object({ rooms: z.array(z.string().refine(isValidRoomId)).max(MAX_PRESENCE_ROOMS) })

/**
 * Closes, on every instance, the room's sockets opened with one of `linkIds` (every socket of the
 * room for "board deleted"), with 4410 and the reason; answers how many this instance closed.
 */
export function revokeLinks(roomId: string, json: unknown, { revoke, log }: InternalEndpointsContext): { closed: number } {
  const parsed = revokeBody.safeParse(json)
  if (!parsed.success) throw fail(400, `body must be { linkIds: room ids (at most ${MAX_REVOKED_LINKS}), reason: "link revoked" | "board deleted" }`)
  const closed = revoke({ roomId, ...parsed.data })
  log.info({ room: roomId, reason: parsed.data.reason, links: parsed.data.linkIds.length, closed }, 'links revoked')
  return { closed }
}

/** The room's whole current state, edits not stored yet included (the room is loaded if needed). */
export async function readState(roomId: string, { rooms, store }: InternalEndpointsContext): Promise<Uint8Array> {
  if (!(await store.roomExists(roomId))) throw fail(404, 'unknown room')
  return withRoom(rooms, roomId, (room) => Y.encodeStateAsUpdate(room.doc))
}

/**
 * Renames the board: sets the document record's name in the live document as an edit the server
 * makes (validated like a peer's, relayed to everyone connected, stored) and writes Room.name.
 */
export async function renameBoard(roomId: string, json: unknown, { rooms, store, log }: InternalEndpointsContext): Promise<{ name: string }> {
  const parsed = renameBody.safeParse(json)
  const name = parsed.success ? parsed.data.name.trim() : ''
  const length = [...name].length
  if (length < 1 || length > MAX_ROOM_NAME_CHARS) throw fail(400, `body must be { name: string } of 1 to ${MAX_ROOM_NAME_CHARS} characters (trimmed)`)
  if (!(await store.roomExists(roomId))) throw fail(404, 'unknown room')
  try {
    await withRoom(rooms, roomId, (room) => {
      const update = computeRename(room.doc, name)
      if (update) room.applyServerEdit(update, new ServerOrigin('rename'))
    })
  } catch (error) {
    if (error instanceof InvalidUpdateError || error instanceof MalformedUpdateError) throw fail(422, `the name does not pass validation: ${error.message}`)
    if (error instanceof DocumentTooLargeError) throw fail(409, 'the board is full (MAX_DOC_BYTES)')
    if (error instanceof RoomUnavailableError) throw fail(503, 'room unavailable')
    throw error
  }
  const stored = boardNameOf(name)
  await store.setRoomName(roomId, stored)
  log.info({ room: roomId }, 'board renamed')
  return { name: stored }
}

/**
 * Who is connected to each room, by user, as the room's presence knows it: this instance's peers
 * and, scaled out, the peers other instances announce for a room loaded here too. A room loaded
 * on other instances only is answered empty by this one.
 */
export function readPresence(json: unknown, { rooms }: InternalEndpointsContext): { rooms: Record<string, PeerIdentity[]> } {
  const parsed = presenceBody.safeParse(json)
  if (!parsed.success) throw fail(400, `body must be { rooms: room ids (at most ${MAX_PRESENCE_ROOMS}) }`)
  const answer: Record<string, PeerIdentity[]> = {}
  for (const roomId of parsed.data.rooms) {
    const peers = rooms.get(roomId)?.presence().peers ?? []
    answer[roomId] = peers.map(({ id, name, color }) => ({ id, name, color }))
  }
  return { rooms: answer }
}

/**
 * Runs `use` on the room, loaded on this instance (loading it if needed); a room loaded only for
 * this is evicted afterwards, once what `use` wrote is stored.
 */
async function withRoom<T>(rooms: InternalEndpointsContext['rooms'], roomId: string, use: (room: Room) => T): Promise<T> {
  let room: Room | null = null
  try {
    room = await loadedRoom(rooms, roomId)
    return use(room)
  } finally {
    if (room && room.peers.size === 0) void rooms.evictIfIdle(room)
  }
}
