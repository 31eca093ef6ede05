import type * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { currentMapKeysIn } from '../yjs/internals.ts'
import type { ReadUpdate } from '../yjs/updateReader.ts'

/**
 * Bytes an overwritten or deleted record leaves in the encoded document: Yjs keeps an item
 * without content (a tombstone) in its place. Measured on yjs 13.6: two shapes moved 20,000
 * times in turn encode to 184 kB, 9.2 bytes per move; the tombstones of one key edited on its
 * own merge into one, so this is an upper bound.
 */
export const TOMBSTONE_BYTES = 9

/** Structs an estimate looks up for one update's delete set; a larger deletion is credited only this far. */
const MAX_DELETE_LOOKUPS = 4096

/**
 * The size of a room's document as Yjs encodes it (Y.encodeStateAsUpdate), kept as a running
 * estimate: the encoded size of every record's current value plus TOMBSTONE_BYTES for every
 * value overwritten or deleted. It goes down when records are deleted or shrink, and it is set
 * to the exact encoded size whenever that is known (at load and at every compaction).
 */
export class DocumentSize {
  private bytes: number
  /** Encoded size of the current value of each record touched so far (loaded records are measured on first touch). */
  private readonly recordBytes = new Map<string, number>()
  /** Sizes of the values of the update being applied, as read from it (not encoded again). */
  private readSizes: Map<unknown, number> | null = null

  /** Starts from the exact size of `records`' document and follows every change made to it from now on. */
  constructor(
    private readonly records: Y.Map<unknown>,
    exactBytes: number,
  ) {
    this.bytes = exactBytes
    records.observe(this.followChanges)
  }

  get total(): number {
    return this.bytes
  }

  /** Sets the estimate to the document's exact encoded size, measured just now. */
  rebase(exactBytes: number): void {
    this.bytes = exactBytes
  }

  /**
   * Whether the document stays within `maxBytes` once a validated update is applied. Most updates
   * fit even if nothing they overwrite were freed, and are not looked at further.
   */
  fits(doc: Y.Doc, read: ReadUpdate, maxBytes: number): boolean {
    let written = TOMBSTONE_BYTES * read.items.length
    for (let i = 0; i < read.values.length; i++) written += read.valueEnds[i] - read.valueStarts[i]
    if (this.bytes + written <= maxBytes) return true
    const growth = this.growthOf(doc, read)
    return growth <= 0 || this.bytes + growth <= maxBytes
  }

  /**
   * How much applying a validated update would change the estimate: what its records add, less
   * what the records it overwrites or deletes free (found through its delete set). Negative when
   * the update frees more than it adds; an update that only deletes never grows the document.
   */
  growthOf(doc: Y.Doc, read: ReadUpdate): number {
    const written = new Map<string, number>()
    let value = 0
    for (let i = 0; i < read.items.length; i++) {
      const values = read.items[i].values
      if (values === null) continue
      for (let j = 0; j < values.length; j++, value++) written.set(read.keys[i] as string, read.valueEnds[value] - read.valueStarts[value])
    }
    let growth = 0
    for (const [key, size] of written) {
      const current = this.sizeOf(key)
      growth += size - (current ?? 0) + (current === null ? 0 : TOMBSTONE_BYTES)
    }
    for (const key of this.deletedKeys(doc, read.deletes, written)) growth += TOMBSTONE_BYTES - (this.sizeOf(key) ?? 0)
    return growth
  }

  /** Applies an update with `apply`, taking the sizes of the values it writes from where they were read. */
  applyingRead(read: ReadUpdate, apply: () => void): void {
    const sizes = new Map<unknown, number>()
    for (let i = 0; i < read.values.length; i++) sizes.set(read.values[i], read.valueEnds[i] - read.valueStarts[i])
    this.readSizes = sizes
    try {
      apply()
    } finally {
      this.readSizes = null
    }
  }

  /** Stops following the document. */
  destroy(): void {
    this.records.unobserve(this.followChanges)
  }

  /** The records whose current value a delete set removes (not those the same update writes again). */
  private deletedKeys(doc: Y.Doc, deletes: number[], written: Map<string, number>): Set<string> {
    return new Set(currentMapKeysIn(doc, this.records, deletes, MAX_DELETE_LOOKUPS).filter((key) => !written.has(key)))
  }

  /** The encoded size of a record's current value, or null if the record does not exist. */
  private sizeOf(key: string): number | null {
    const known = this.recordBytes.get(key)
    if (known !== undefined) return known
    if (!this.records.has(key)) return null
    const size = encodedSize(this.records.get(key))
    this.recordBytes.set(key, size)
    return size
  }

  private followChanges = (event: Y.YMapEvent<unknown>): void => {
    for (const [key, change] of event.keys) {
      const old = change.action === 'add' ? 0 : (this.recordBytes.get(key) ?? encodedSize(change.oldValue))
      if (change.action === 'delete') {
        this.recordBytes.delete(key)
        this.bytes += TOMBSTONE_BYTES - old
        continue
      }
      const value = this.records.get(key)
      const size = this.readSizes?.get(value) ?? encodedSize(value)
      this.recordBytes.set(key, size)
      this.bytes += size - old + (change.action === 'update' ? TOMBSTONE_BYTES : 0)
    }
  }
}

/** A value's size as Yjs encodes it in a map entry (lib0's writeAny). */
function encodedSize(value: unknown): number {
  const encoder = encoding.createEncoder()
  encoding.writeAny(encoder, value as Parameters<typeof encoding.writeAny>[1])
  return encoding.length(encoder)
}
