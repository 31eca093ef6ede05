import * as Y from 'yjs'
import type { Scope, SerializedSchemaVersions } from '../../lib/protocol.ts'
import type { VersionAuthor, VersionKind, VersionSummary } from '../../lib/versions.ts'
import { shapeCountOfDocument } from '../../lib/db/versions.ts'

/** What a room's stored state looks like when it is loaded. */
export interface StoredRoom {
  /** Yjs updates (snapshot first, then the log after it) to apply in order. */
  updates: Uint8Array[]
  /** Log rows not yet folded into the snapshot. */
  logLength: number
  /** The tldraw schema recorded with the snapshot, if any. */
  schema?: SerializedSchemaVersions | null
  /**
   * False when the snapshot was stored before snapshots were garbage-collected (a merge of
   * every update ever made): the room rewrites it once it is loaded. True without a snapshot.
   */
  collected: boolean
}

/**
 * The room's live document, for a compaction: its state, encoded just now, and the document
 * itself to check that the state holds every stored row.
 */
export interface LiveDocument {
  doc: Y.Doc
  state: Uint8Array
}

export interface CompactOptions {
  /**
   * Encodes the room's live document. When it holds the stored snapshot and every log row (as it
   * does on a single instance), its state is stored as is; otherwise the state is rebuilt from it
   * and the stored rows it lacks.
   */
  live?: () => LiveDocument
  /** Rewrite the snapshot even when the log is empty (a snapshot stored before collection). */
  rewrite?: boolean
}

/**
 * A room's update log and snapshot: all the room logic (server/room/) sees of storage, so it is
 * tested against the in-memory store and runs in production on Prisma. Every implementation
 * passes the contract suite (roomStore.contract.ts).
 */
export interface RoomStore {
  load(roomId: string): Promise<StoredRoom>
  /** Appends updates, in order, to the room's log; resolves once all of them are durable. */
  append(roomId: string, updates: Uint8Array[]): Promise<void>
  /**
   * Replaces the room's snapshot and the log rows it covers, in one transaction, with the
   * garbage-collected state of the document they make up: its current content, without the
   * values every overwrite and deletion left behind.
   */
  compact(roomId: string, options?: CompactOptions): Promise<void>
  /** Runs the queries of a room load once without touching any room (see server/yjs/warmUp.ts). */
  warmUp?(): Promise<void>
}

export interface SaveVersionOptions {
  kind: VersionKind
  label: string | null
  /** The room's live document, as a compaction takes it: the version then holds edits not stored yet. */
  live?: () => LiveDocument
  /** Write nothing (and answer null) when the room's newest version holds the same state. */
  skipIfUnchanged: boolean
  /** When the version is made; now unless given (tests of retention make older ones). */
  at?: Date
}

/**
 * A room's versions (version history): complete collected states with who edited since the
 * version before, and the editors that attribution comes from. Every implementation passes the
 * version cases of the contract suite (roomStore.contract.ts).
 */
export interface VersionStore {
  /**
   * Stores the room's state now (the collected state compaction would store, with `live` as it
   * would take it) as a version; the log is folded into the snapshot in the same transaction, since
   * the state is computed anyway. Its authors are the editors recorded after the previous
   * version (all of them for the first). Null when `skipIfUnchanged` and nothing changed.
   */
  saveVersion(roomId: string, options: SaveVersionOptions): Promise<VersionSummary | null>
  /** Records that `editors` edited the room at `at` (after a batch of their edits is stored). */
  recordEditors(roomId: string, editors: VersionAuthor[], at: Date): Promise<void>
  /** The room's versions, newest first. */
  listVersions(roomId: string): Promise<VersionSummary[]>
  /** One version and its (uncompressed) state, or null if the room has no version of that id. */
  readVersion(roomId: string, versionId: string): Promise<{ version: VersionSummary; state: Uint8Array } | null>
  /**
   * Retention: versions older than `retentionDays` are thinned to one per UTC day (the newest of
   * each), named versions always kept. Returns how many were deleted.
   */
  thinVersions(roomId: string, now: Date, retentionDays: number): Promise<number>
}

/** A version as thinning looks at it. */
export interface ThinnableVersion {
  id: string
  createdAt: Date
  kind: string
}

/** The ids of the versions thinning deletes (see VersionStore.thinVersions). */
export function versionsToThin(versions: readonly ThinnableVersion[], now: Date, retentionDays: number): string[] {
  const cutoff = now.getTime() - retentionDays * 86_400_000
  const newestOfDay = new Map<string, ThinnableVersion>()
  const old = versions.filter((version) => version.kind !== 'named' && version.createdAt.getTime() < cutoff)
  for (const version of old) {
    const day = version.createdAt.toISOString().slice(0, 10)
    const kept = newestOfDay.get(day)
    if (!kept || version.createdAt > kept.createdAt || (version.createdAt.getTime() === kept.createdAt.getTime() && version.id > kept.id)) newestOfDay.set(day, version)
  }
  const keep = new Set(Array.from(newestOfDay.values(), (version) => version.id))
  return old.filter((version) => !keep.has(version.id)).map((version) => version.id)
}

/** A room's recorded editor. */
export interface RecordedEditor extends VersionAuthor {
  lastEditAt: Date
}

/** The authors of a new version: the editors who edited after the previous version (`since`), by name. */
export function authorsSince(editors: readonly RecordedEditor[], since: Date | null): VersionAuthor[] {
  return editors
    .filter((editor) => since === null || editor.lastEditAt > since)
    .map(({ id, name }) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
}

/** Why a link id no longer opens its board (the close reason its sockets get, lib/protocol.ts Close). */
export type LinkRefusal = 'link revoked' | 'board deleted'

/** What a socket's link id resolves to: the room it opens, or why it is refused. */
export type ResolvedLink = { roomId: string } | { refused: LinkRefusal }

/** The Room rows a link id may name, as resolveLink reads them. */
export interface LinkRow {
  id: string
  editId: string
  viewId: string
  trashed: boolean
}

/** Finds the room a socket's link id opens (the room registry, once per socket at auth). */
export interface RoomLinks {
  /**
   * Edit scope: the room whose edit id is `linkId`; view scope: the room whose view id is (or,
   * as for tools, whose own id and edit id are). A link reset since, or a trashed board, is
   * refused. An edit id no row knows names the room itself (tests, tools and the bench connect to
   * rooms the app never created; loading creates the row); a view id no row knows is refused.
   * One indexed query.
   */
  resolveLink(linkId: string, scope: Scope): Promise<ResolvedLink>
}

/** The rows that resolve `linkId` (those whose link id of `scope`, or whose own id, it is), judged. */
export function resolveLinkRows(linkId: string, scope: Scope, rows: readonly LinkRow[]): ResolvedLink {
  const byLink = rows.find((row) => (scope === 'edit' ? row.editId : row.viewId) === linkId)
  if (byLink) return byLink.trashed ? { refused: 'board deleted' } : { roomId: byLink.id }
  const byId = rows.find((row) => row.id === linkId)
  if (byId) {
    if (byId.trashed) return { refused: 'board deleted' }
    // A read-only socket on a room's current edit id is allowed (tools); on a reset one it is not.
    return scope === 'view' && byId.editId === linkId ? { roomId: byId.id } : { refused: 'link revoked' }
  }
  return scope === 'edit' ? { roomId: linkId } : { refused: 'link revoked' }
}

/** The name a board's document record gives it, as Room.name stores it: trimmed, at most 100 characters, never empty. */
export function boardNameOf(documentName: string): string {
  return [...documentName.trim()].slice(0, MAX_ROOM_NAME_CHARS).join('').trim() || DEFAULT_ROOM_NAME
}

export const MAX_ROOM_NAME_CHARS = 100
export const DEFAULT_ROOM_NAME = 'Untitled board'

/** The board rows the sync server reads and writes besides the document: existence, name, trash purge. */
export interface BoardRows {
  /** True when the room has a row (created by the app, or by a load). */
  roomExists(roomId: string): Promise<boolean>
  /** Sets Room.name (a name already cleaned by boardNameOf); nothing when the room has no row. */
  setRoomName(roomId: string, name: string): Promise<void>
  /**
   * Deletes the rooms trashed before `trashedBefore`, with everything that cascades from them
   * (updates, snapshot, assets, versions, editors, visits, thumbnail). Returns how many.
   */
  purgeTrashedRooms(trashedBefore: Date): Promise<number>
}

/** Everything the sync server needs of its storage: the rooms' logs and versions, links, board rows, a health check. */
export interface SyncStorage extends RoomStore, VersionStore, RoomLinks, BoardRows {
  /** Resolves when the database answers (/healthz). */
  ping(): Promise<void>
  close(): Promise<void>
}

/**
 * The garbage-collected state of the document that `parts` (a snapshot and log rows) make up.
 * The live document's state is used as is when it holds every part; otherwise the parts it lacks
 * are applied on top of it, or, without a live document, all parts to a new document (Yjs
 * collects deleted content as it applies them). Y.mergeUpdates is not used: it keeps every
 * overwritten value.
 */
export function collectedState(parts: Uint8Array[], live: LiveDocument | null): Uint8Array {
  return collect(parts, live, () => null).state
}

/**
 * A version's state, as collectedState computes it, and its shape count, counted on the document
 * that state came from (no second decoding of a large state).
 */
export function collectedVersion(parts: Uint8Array[], live: LiveDocument | null): { state: Uint8Array; shapeCount: number } {
  const { state, measured } = collect(parts, live, shapeCountOfDocument)
  return { state, shapeCount: measured }
}

function collect<T>(parts: Uint8Array[], live: LiveDocument | null, measure: (doc: Y.Doc) => T): { state: Uint8Array; measured: T } {
  let missing = parts
  if (live) {
    const snapshot = Y.snapshot(live.doc)
    missing = parts.filter((part) => !Y.snapshotContainsUpdate(snapshot, part))
    if (missing.length === 0) return { state: live.state, measured: measure(live.doc) }
    missing.unshift(live.state)
  }
  const doc = new Y.Doc({ gc: true })
  try {
    Y.transact(doc, () => {
      for (const part of missing) Y.applyUpdate(doc, part)
    })
    return { state: Y.encodeStateAsUpdate(doc), measured: measure(doc) }
  } finally {
    doc.destroy()
  }
}
