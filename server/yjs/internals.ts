/**
 * The sync server's reads of Yjs state beyond its documented API, in one place. Each is checked
 * by a canary in internals.test.ts named after it, so a Yjs upgrade that breaks one says which.
 * The other uses of undocumented Yjs are in this folder too: updateReader.ts (the V1 update
 * layout, and a subclass of UpdateDecoderV1) and syncParts.ts (UpdateEncoderV1 and struct.write).
 */
import * as Y from 'yjs'

/**
 * Whether a finished transaction added or deleted anything, or left content waiting for an update
 * it depends on (that content is relayed and stored with the update that brought it). Reads
 * `doc.store.pendingStructs` / `pendingDs`, which Yjs does not document.
 */
export function changedDocument(transaction: Y.Transaction, doc: Y.Doc): boolean {
  if (transaction.deleteSet.clients.size > 0) return true
  if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return true
  for (const [client, clock] of transaction.afterState) if (transaction.beforeState.get(client) !== clock) return true
  return false
}

/** A root type's name and map key (null for a sequence position), or why a struct has none. */
export type StructPlace = { root: string; key: string | null } | 'unknown' | 'collected' | 'nested'

/**
 * Where the struct holding (client, clock) sits in `doc`. Reads the struct store (`Y.getState`,
 * `Y.getItem`), an item's `parent` and `parentSub`, a type's `_item` (null for a root type) and
 * `doc.share`.
 */
export function placeOfStruct(doc: Y.Doc, client: number, clock: number): StructPlace {
  // The store holds each client's structs without gaps from clock 0, so this is the lookup's precondition.
  if (clock >= Y.getState(doc.store, client)) return 'unknown'
  const struct = Y.getItem(doc.store, Y.createID(client, clock)) as Y.Item | Y.GC
  if (!(struct instanceof Y.Item)) return 'collected'
  const type = struct.parent as Y.AbstractType<unknown>
  if (type._item !== null) return 'nested'
  for (const [name, shared] of doc.share) if (shared === type) return { root: name, key: struct.parentSub }
  return 'unknown'
}

/**
 * The keys of `map` (a root map of `doc`) whose current value was written by a struct in the
 * given ranges (client, clock, length, flat), looking at no more than `maxLookups` structs. A
 * key's current value is the last item of its chain: not deleted, nothing to its right. Reads the
 * struct store and an item's `deleted`, `right`, `parent` and `parentSub`.
 */
export function currentMapKeysIn(doc: Y.Doc, map: Y.Map<unknown>, ranges: readonly number[], maxLookups: number): string[] {
  const keys: string[] = []
  let lookups = 0
  for (let r = 0; r < ranges.length && lookups < maxLookups; r += 3) {
    const client = ranges[r]
    const end = Math.min(ranges[r + 1] + ranges[r + 2], Y.getState(doc.store, client))
    let clock = ranges[r + 1]
    while (clock < end && lookups++ < maxLookups) {
      const struct = Y.getItem(doc.store, Y.createID(client, clock)) as Y.Item | Y.GC
      if (struct instanceof Y.Item && !struct.deleted && struct.right === null && struct.parent === map && struct.parentSub !== null) keys.push(struct.parentSub)
      clock = struct.id.clock + struct.length
    }
  }
  return keys
}
