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

export async function createBoard(name: unknown, ownerId: string | null = null): Promise<{ id: string; viewId: string }> {
  const db = await database()
  const id = newBoardId()
  const room = await db.room.create({ data: { id, editId: id, viewId: newBoardId(), name: cleanBoardName(name), ownerId } })
  return { id: room.id, viewId: room.viewId }
}

/** A board as a link shows it: the view link never reveals the edit id. */
export interface LinkedBoard {
  roomId: string
  viewId: string
  name: string
  scope: Scope
}

/** Finds the board a link points at: `b` links carry the room id (edit), `v` links the view id (view-only). */
export async function findBoardByLink(kind: 'b' | 'v', linkId: string): Promise<LinkedBoard | null> {
  if (!isValidRoomId(linkId)) return null
  const db = await database()
  const room = await db.room.findUnique({
    where: kind === 'b' ? { id: linkId } : { viewId: linkId },
    select: { id: true, viewId: true, name: true },
  })
  if (!room) return null
  return { roomId: room.id, viewId: room.viewId, name: room.name, scope: kind === 'b' ? 'edit' : 'view' }
}
