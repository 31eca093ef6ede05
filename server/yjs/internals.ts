/**
 * The sync server's uses of Yjs beyond its documented API, in one place. Each is checked by a
 * canary in internals.test.ts named after it, so a Yjs upgrade that breaks one says which.
 */
import type * as Y from 'yjs'

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
