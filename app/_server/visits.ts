import { database } from './db.ts'

/** A visit is written at most once a minute per guest, board, link kind and link id: the token route runs on every (re)connection. */
const VISIT_WRITE_INTERVAL_MS = 60_000
/** Past this many remembered writes, the memory is cleared (at worst one extra write per visitor). */
const MAX_REMEMBERED = 10_000

const lastWritten = new Map<string, number>()

/**
 * Records that guest `userId` opened board `roomId` (internal id) through a `kind` link with id
 * `linkId` (GET /api/boards lists it while that link id stays current). Never fails the caller:
 * a visit not recorded only leaves the board out of the list.
 */
export async function recordVisit(userId: string, roomId: string, kind: 'b' | 'v', linkId: string, now = new Date()): Promise<void> {
  const key = `${userId}\n${roomId}\n${kind}\n${linkId}`
  const last = lastWritten.get(key)
  if (last !== undefined && now.getTime() - last < VISIT_WRITE_INTERVAL_MS) return
  if (lastWritten.size >= MAX_REMEMBERED) lastWritten.clear()
  lastWritten.set(key, now.getTime())
  try {
    const db = await database()
    await db.roomVisit.upsert({
      where: { userId_roomId_kind: { userId, roomId, kind } },
      create: { userId, roomId, kind, linkId, lastOpenedAt: now },
      update: { linkId, lastOpenedAt: now },
    })
  } catch (error) {
    lastWritten.delete(key)
    console.error('app: could not record a board visit', (error as Error).message)
  }
}
