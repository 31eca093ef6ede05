import type * as Y from 'yjs'
import type { Logger } from '../log.ts'
import { boardNameOf, type BoardRows } from '../storage/roomStore.ts'
import { documentNameOf } from './rename.ts'

/** How long a name must stay unchanged before it is written: typing a name writes it once. */
export const NAME_MIRROR_DEBOUNCE_MS = 500

export interface NameMirrorOptions {
  store: Pick<BoardRows, 'setRoomName'>
  log: Logger
}

/**
 * Mirrors the name of a room's document record (tldraw's `document:document`, which the board's
 * title edits) to Room.name, which the app lists boards by: cleaned (boardNameOf) and debounced.
 * A record created with an empty name (a new board's first client) is no rename.
 */
export class NameMirror {
  /** The record's name as last seen; undefined before the document is applied, or without the record. */
  private seen: string | undefined
  private pending: string | null = null
  private timer: NodeJS.Timeout | null = null
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly roomId: string,
    private readonly options: NameMirrorOptions,
  ) {}

  /** The document was applied: its name as stored is the starting point (nothing to write). */
  applied(records: Y.Map<unknown>): void {
    this.seen = documentNameOf(records)
  }

  /**
   * The document changed: O(1), one map lookup. A change made on another instance is mirrored
   * there (`mirror` false), only followed here.
   */
  changed(records: Y.Map<unknown>, mirror: boolean): void {
    const name = documentNameOf(records)
    if (name === this.seen) return
    const created = this.seen === undefined
    this.seen = name
    if (!mirror || name === undefined || (created && name.trim() === '')) return
    this.pending = boardNameOf(name)
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.flush(), NAME_MIRROR_DEBOUNCE_MS)
  }

  /** Writes a name still waiting for its debounce now; resolves when the write under way has finished. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const name = this.pending
    this.pending = null
    if (name !== null) {
      this.writing = this.writing.then(() =>
        this.options.store.setRoomName(this.roomId, name).catch((error: unknown) => this.options.log.warn({ room: this.roomId, err: error }, 'board name not stored')),
      )
    }
    return this.writing
  }

  /** Stops the debounce timer (the room is released; flush first to keep a pending name). */
  destroy(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
