import * as Y from 'yjs'
import type { SerializedSchemaVersions } from '../../lib/protocol.ts'

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

/** Finds the room of a read-only link (the room registry, when a socket opens `/v/<viewId>`). */
export interface ViewLinks {
  /** The room a read-only link id belongs to, or null if no room has that view id. */
  roomIdForViewId(viewId: string): Promise<string | null>
}

/** Everything the sync server needs of its storage: the rooms' logs, view links, a health check. */
export interface SyncStorage extends RoomStore, ViewLinks {
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
  let missing = parts
  if (live) {
    const snapshot = Y.snapshot(live.doc)
    missing = parts.filter((part) => !Y.snapshotContainsUpdate(snapshot, part))
    if (missing.length === 0) return live.state
    missing.unshift(live.state)
  }
  const doc = new Y.Doc({ gc: true })
  try {
    Y.transact(doc, () => {
      for (const part of missing) Y.applyUpdate(doc, part)
    })
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
