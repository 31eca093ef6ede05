import type { BoardSummary } from '../../lib/boards.ts'
import { database } from './db.ts'
import { presenceOf } from './syncInternal.ts'

/** One board of GET /api/boards. */
export type BoardListEntry = BoardSummary

export interface BoardListQuery {
  /** The caller's own boards in the trash instead of the boards they can open. */
  trash?: boolean
  /** Only boards whose name holds this (case-insensitive). */
  q?: string
}

/**
 * The boards guest `userId` owns or opened through a link that still works (a reset link's
 * visit no longer counts), not trashed; or, for the trash, their own trashed boards. Newest
 * activity first, each with who is on it now (the sync server's presence, empty if unreachable).
 */
export async function listBoards(userId: string, query: BoardListQuery = {}): Promise<BoardListEntry[]> {
  const db = await database()
  const rooms = await db.room.findMany({
    where: query.trash
      ? { ownerId: userId, trashedAt: { not: null } }
      : { trashedAt: null, OR: [{ ownerId: userId }, { visits: { some: { userId } } }] },
    select: {
      id: true,
      editId: true,
      viewId: true,
      name: true,
      ownerId: true,
      createdAt: true,
      trashedAt: true,
      thumbnail: { select: { updatedAt: true } },
      visits: { where: { userId }, select: { kind: true, linkId: true } },
      editors: { orderBy: { lastEditAt: 'desc' }, take: 1, select: { name: true, lastEditAt: true } },
    },
  })
  const needle = query.q?.trim().toLowerCase()
  const listed = rooms
    .map((room) => {
      const owner = room.ownerId === userId
      const canEdit = owner || room.visits.some((visit) => visit.kind === 'b' && visit.linkId === room.editId)
      const canView = canEdit || room.visits.some((visit) => visit.kind === 'v' && visit.linkId === room.viewId)
      const lastEdit = room.editors[0]
      return { room, owner, canEdit, canView, updatedAt: lastEdit?.lastEditAt ?? room.createdAt, lastEditedBy: lastEdit?.name ?? null }
    })
    .filter(({ room, canView }) => canView && (!needle || room.name.toLowerCase().includes(needle)))
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())
  const present = query.trash ? new Map<string, BoardSummary['present']>() : await presenceOf(listed.map(({ room }) => room.id))
  return listed.map(({ room, owner, canEdit, updatedAt, lastEditedBy }) => ({
    roomId: canEdit ? room.editId : null,
    viewId: room.viewId,
    name: room.name,
    owner,
    updatedAt: updatedAt.toISOString(),
    lastEditedBy,
    thumbnailUrl: room.thumbnail ? `/api/thumbnails/${room.viewId}?v=${room.thumbnail.updatedAt.getTime()}` : null,
    present: present.get(room.id) ?? [],
    trashedAt: room.trashedAt?.toISOString() ?? null,
  }))
}
