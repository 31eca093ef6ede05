import { randomBytes } from 'node:crypto'
import { isValidRoomId, type Scope } from '../../lib/protocol.ts'
import { database } from './db.ts'

/** Board ids and view ids: 128 random bits, base64url (22 characters). */
export function newBoardId(): string {
  return randomBytes(16).toString('base64url')
}

export const MAX_BOARD_NAME_LENGTH = 100
export const DEFAULT_BOARD_NAME = 'Untitled board'

export function cleanBoardName(name: unknown): string {
  const text = typeof name === 'string' ? name.trim().slice(0, MAX_BOARD_NAME_LENGTH) : ''
  return text || DEFAULT_BOARD_NAME
}

/** Creates a board owned by guest `ownerId` (null: nobody); its edit id starts equal to its internal id. */
export async function createBoard(name: unknown, ownerId: string | null = null): Promise<{ id: string; viewId: string }> {
  const db = await database()
  const id = newBoardId()
  const room = await db.room.create({ data: { id, editId: id, viewId: newBoardId(), name: cleanBoardName(name), ownerId } })
  return { id: room.id, viewId: room.viewId }
}

/** A board as a link shows it: the view link never reveals the edit id. */
export interface LinkedBoard {
  /** The internal Room.id: storage and the sync server's internal endpoints only, never shown. */
  id: string
  /** The edit link's id (Room.editId). */
  roomId: string
  viewId: string
  name: string
  scope: Scope
  ownerId: string | null
  trashedAt: Date | null
}

/**
 * Finds the board a link points at by its current ids: `b` links carry the edit id, `v` links the
 * view id. A reset link no longer finds it; a trashed board is found only with `includeTrashed`.
 */
export async function findBoardByLink(kind: 'b' | 'v', linkId: string, options: { includeTrashed?: boolean } = {}): Promise<LinkedBoard | null> {
  if (!isValidRoomId(linkId)) return null
  const db = await database()
  const room = await db.room.findUnique({
    where: kind === 'b' ? { editId: linkId } : { viewId: linkId },
    select: { id: true, editId: true, viewId: true, name: true, ownerId: true, trashedAt: true },
  })
  if (!room || (room.trashedAt && !options.includeTrashed)) return null
  return { id: room.id, roomId: room.editId, viewId: room.viewId, name: room.name, scope: kind === 'b' ? 'edit' : 'view', ownerId: room.ownerId, trashedAt: room.trashedAt }
}
