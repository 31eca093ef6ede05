import * as Y from 'yjs'
import { z } from 'zod'
import { checkVersionLabel, isValidVersionId, VERSION_LABEL_MAX_CHARS, type VersionSummary } from '../../lib/versions.ts'
import { fail } from './httpAnswer.ts'
import type { InternalEndpointsContext } from './internalEndpoints.ts'
import { DocumentTooLargeError, RoomUnavailableError } from '../room/errors.ts'
import type { RoomRegistry } from '../room/registry.ts'
import { computeRestore, recordsOfVersionState, UnknownShapeError } from '../room/restore.ts'
import type { Room } from '../room/room.ts'
import { ServerOrigin } from '../room/roomDocument.ts'
import { InvalidUpdateError } from '../room/validation.ts'
import type { LiveDocument } from '../storage/roomStore.ts'
import { MalformedUpdateError } from '../yjs/updateReader.ts'

/**
 * The version endpoints of the sync server (docs/versions.md), routed by internalEndpoints.ts:
 * - `POST /internal/rooms/<roomId>/versions` `{ kind?, label }` → 201 VersionSummary
 * - `POST /internal/rooms/<roomId>/restore` `{ versionId, shapeIds?, by }` → 200 `{ beforeRestore, versions }`
 * They live here because only the sync server holds the live document: a version must include
 * edits not stored yet, and a restore must reach everyone connected.
 */

const MAX_SHAPE_IDS = 10_000
const MAX_BY_NAME_CHARS = 64
/** The restorer's name as a before-restore label shows it, leaving room for what was restored. */
const MAX_NAME_IN_LABEL = 32

const saveVersionBody = z.object({
  kind: z.enum(['named', 'before-restore']).default('named'),
  label: z.unknown(),
})

const restoreBody = z.object({
  versionId: z.string().refine(isValidVersionId, 'invalid version id'),
  shapeIds: z.array(z.string().min(1).max(128)).min(1).max(MAX_SHAPE_IDS).optional(),
  by: z.object({ id: z.string().min(1).max(128), name: z.string().trim().min(1).max(MAX_BY_NAME_CHARS) }),
})

/** Saves a named (or before-restore) version of the room as it is now, live edits included. */
export async function saveVersion(roomId: string, json: unknown, { rooms, store }: InternalEndpointsContext): Promise<VersionSummary> {
  const parsed = saveVersionBody.safeParse(json)
  if (!parsed.success) throw fail(400, 'body must be { kind?: "named" | "before-restore", label: string }')
  const label = checkVersionLabel(parsed.data.label)
  if ('error' in label) throw fail(400, label.error)
  const room = rooms.get(roomId)
  const version = saved(await store.saveVersion(roomId, { kind: parsed.data.kind, label: label.label, live: liveOf(room), skipIfUnchanged: false }))
  room?.versionSaved()
  return version
}

/**
 * Restores a version, or some of its shapes: saves a `before-restore` version of the board as it
 * is, then applies the restore to the live room as one edit the server makes (validated like a
 * peer's, relayed to everyone connected and stored). A room loaded only for this is evicted
 * afterwards once its write is stored.
 */
export async function restoreVersion(roomId: string, json: unknown, { rooms, store, log }: InternalEndpointsContext): Promise<{ beforeRestore: VersionSummary; versions: VersionSummary[] }> {
  const parsed = restoreBody.safeParse(json)
  if (!parsed.success) throw fail(400, 'body must be { versionId, shapeIds?: string[] (1 to 10000), by: { id, name } }')
  const { versionId, shapeIds, by } = parsed.data
  const found = await store.readVersion(roomId, versionId)
  if (!found) throw fail(404, 'unknown version')
  const records = recordsOfVersionState(found.state)
  const unknownShape = shapeIds?.find((id) => records.get(id)?.typeName !== 'shape')
  if (unknownShape !== undefined) throw fail(400, new UnknownShapeError(unknownShape).message)

  const label = beforeRestoreLabel(by.name, found.version, shapeIds?.length)
  let room: Room | null = null
  try {
    room = await loadedRoom(rooms, roomId)
    const beforeRestore = saved(await store.saveVersion(roomId, { kind: 'before-restore', label, live: liveOf(room), skipIfUnchanged: false }))
    room.versionSaved()
    // The room again: it may have been evicted, or have changed, while the version was written.
    room = await loadedRoom(rooms, roomId)
    const change = computeRestore(room.doc, records, shapeIds)
    if (change.update) room.applyServerEdit(change.update, new ServerOrigin(`restore of version ${versionId}`))
    log.info({ room: roomId, version: versionId, set: change.set, deleted: change.deleted, shapes: shapeIds?.length ?? null }, 'version restored')
    return { beforeRestore, versions: await store.listVersions(roomId) }
  } catch (error) {
    if (error instanceof InvalidUpdateError || error instanceof MalformedUpdateError) throw fail(422, `the version does not pass validation: ${error.message}`)
    if (error instanceof DocumentTooLargeError) throw fail(409, 'the restored board would be larger than MAX_DOC_BYTES')
    if (error instanceof RoomUnavailableError) throw fail(503, 'room unavailable')
    throw error
  } finally {
    // With nobody in the room, the registry flushes the restore and evicts it (as when the last peer leaves).
    if (room && room.peers.size === 0) void rooms.evictIfIdle(room)
  }
}

/** The room, loaded on this instance (loading it if needed) and still the registry's at the moment this resolves. */
export async function loadedRoom(rooms: RoomRegistry, roomId: string): Promise<Room> {
  for (;;) {
    const room = await rooms.acquire(roomId)
    if (rooms.get(roomId) === room) return room
  }
}

/** The live document of a room loaded on this instance, for a version that includes edits not stored yet. */
export function liveOf(room: Room | undefined): (() => LiveDocument) | undefined {
  if (!room) return undefined
  return () => ({ doc: room.doc, state: Y.encodeStateAsUpdate(room.doc) })
}

/** saveVersion answers null only when asked to skip an unchanged state, which these endpoints never do. */
function saved(version: VersionSummary | null): VersionSummary {
  if (!version) throw new Error('version not saved')
  return version
}

/** `Before Ada restored "v1"` or `Before Ada restored 2 shapes from "v1"`, within the label limit (the version's name shortened if needed). */
export function beforeRestoreLabel(name: string, version: VersionSummary, shapeCount: number | undefined): string {
  // eslint-disable-next-line no-control-regex
  const who = [...name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')].slice(0, MAX_NAME_IN_LABEL).join('')
  const what = shapeCount === undefined ? '' : `${shapeCount} shape${shapeCount === 1 ? '' : 's'} from `
  const prefix = `Before ${who} restored ${what}`
  const versionName = version.label ?? `the version of ${version.createdAt.slice(0, 16).replace('T', ' ')} UTC`
  const room = VERSION_LABEL_MAX_CHARS - [...prefix].length - 2
  const chars = [...versionName]
  const shown = chars.length <= room ? versionName : `${chars.slice(0, Math.max(0, room - 1)).join('')}…`
  return version.label === null ? `${prefix}${shown}` : `${prefix}"${shown}"`
}
