import * as Y from 'yjs'
import { createTLSchema } from '@tldraw/tlschema'
import { placeholders } from '../../lib/db/blobs.ts'
import { providerOf } from '../../lib/db/client.ts'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { cleanBoardName, newBoardId } from './boards.ts'
import { appConfig } from './config.ts'
import { database } from './db.ts'

type BoardRecord = { id: string; typeName: string } & Record<string, unknown>

const DOCUMENT_ID = 'document:document'
/** An uploaded image's URL as the board's asset store writes it (lib/client/assetStore.ts), absolute or not. */
const ASSET_URL = /^(?:https?:\/\/[^/]+)?\/api\/assets\/([A-Za-z0-9_-]{1,64})$/

/** The schema the stored document is written with, as the sync server stores it with its own snapshots. */
const STORED_SCHEMA = JSON.stringify(createTLSchema().serialize())

/** The records of a board's Yjs state (its records map), as plain objects. */
export function recordsOfState(state: Uint8Array): BoardRecord[] {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, state)
    return Object.values(doc.getMap(BOARD_RECORDS_MAP).toJSON()) as BoardRecord[]
  } finally {
    doc.destroy()
  }
}

/** The uploaded image an asset record shows, if it is one of ours. */
function uploadedAssetId(record: BoardRecord): string | null {
  if (record.typeName !== 'asset') return null
  const src = (record.props as { src?: unknown } | undefined)?.src
  return typeof src === 'string' ? (ASSET_URL.exec(src)?.[1] ?? null) : null
}

/**
 * Creates a board holding `records`, owned by `ownerId`, in one transaction: the Room row, its
 * stored document (a collected snapshot, as the sync server loads its own) and copies of the
 * uploaded images the records show, under new ids, with the asset records pointing at the
 * copies, so the new board keeps its images whatever happens to the board they came from. The
 * document record carries the board's name.
 */
export async function createBoardWithRecords(name: unknown, ownerId: string | null, records: BoardRecord[]): Promise<{ id: string; viewId: string }> {
  const db = await database()
  const boardName = cleanBoardName(name)
  const referenced = [...new Set(records.map(uploadedAssetId).filter((id): id is string => id !== null))]
  const existing = referenced.length
    ? await db.asset.findMany({ where: { id: { in: referenced } }, select: { id: true } })
    : []
  const copies = new Map(existing.map(({ id }) => [id, newBoardId()]))

  const doc = new Y.Doc()
  const map = doc.getMap(BOARD_RECORDS_MAP)
  doc.transact(() => {
    for (const record of records) {
      const copy = copies.get(uploadedAssetId(record) ?? '')
      map.set(record.id, copy ? { ...record, props: { ...(record.props as object), src: `/api/assets/${copy}` } } : record)
    }
    const document = map.get(DOCUMENT_ID) as BoardRecord | undefined
    map.set(DOCUMENT_ID, { ...(document ?? { id: DOCUMENT_ID, typeName: 'document', gridSize: 10, meta: {} }), name: boardName })
  })
  const state = Y.encodeStateAsUpdate(doc)
  doc.destroy()

  const id = newBoardId()
  const viewId = newBoardId()
  const provider = providerOf(appConfig().databaseUrl)
  const copyAsset = `INSERT INTO "Asset" ("id", "roomId", "contentType", "size", "data", "createdAt")
    SELECT ${placeholders(provider, 2)}, "contentType", "size", "data", "createdAt" FROM "Asset" WHERE "id" = ${placeholders(provider, 1, 2)}`
  await db.$transaction(async (tx) => {
    await tx.room.create({ data: { id, editId: id, viewId, name: boardName, ownerId } })
    // lastUpdateId 0: no log row precedes it; collected: the state holds no deleted content.
    await tx.roomSnapshot.create({ data: { roomId: id, data: new Uint8Array(state), lastUpdateId: 0, schemaVersion: STORED_SCHEMA, collected: true } })
    for (const [from, to] of copies) await tx.$executeRawUnsafe(copyAsset, to, id, from)
  })
  return { id, viewId }
}
