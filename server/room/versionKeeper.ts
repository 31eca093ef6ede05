import type { ServerConfig } from '../../lib/config.ts'
import type { Logger } from '../log.ts'
import type { LiveDocument, VersionStore } from '../storage/roomStore.ts'

/** The automatic-version settings of a room (RoomOptions' fields of the same names). */
export interface VersionOptions extends Pick<ServerConfig, 'versionIdleMs' | 'versionEveryMs' | 'versionRetentionDays'> {
  store: Pick<VersionStore, 'saveVersion' | 'thinVersions'>
  log: Logger
}

/** What the keeper needs from its room besides the store. */
export interface VersionHooks {
  /** Writes the room's pending updates (PersistQueue.flush). */
  flush: () => Promise<void>
  /** The live document on a single instance (as compaction takes it); undefined when scaled out. */
  live: (() => LiveDocument) | undefined
  /** A version was saved (or found identical to the newest): editors are recorded afresh. */
  saved: () => void
}

/**
 * A room's automatic versions: after a burst of edits once the room has been quiet for
 * versionIdleMs, at least every versionEveryMs while edits go on, and once more when a changed
 * room is evicted. The store skips a version identical to the newest, so instances sharing a room
 * never write the same one twice. Failures are logged and retried at the next trigger.
 */
export class VersionKeeper {
  /** Changed since the last version was saved (or attempted). */
  private dirty = false
  private lastChangeAt = 0
  private idleTimer: NodeJS.Timeout | null = null
  private everyTimer: NodeJS.Timeout | null = null
  /** The save under way, if any: saves run one after another. */
  private saving: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly roomId: string,
    private readonly options: VersionOptions,
    private readonly hooks: VersionHooks,
  ) {}

  /**
   * The document changed (a local, remote or server edit). O(1), no allocation: the idle timer is
   * not restarted per change; when it fires it checks how long the room has been quiet.
   */
  changed(): void {
    this.lastChangeAt = Date.now()
    this.dirty = true
    if (this.stopped) return
    this.idleTimer ??= setTimeout(this.idleElapsed, this.options.versionIdleMs)
    this.everyTimer ??= setTimeout(this.everyElapsed, this.options.versionEveryMs)
  }

  private idleElapsed = (): void => {
    this.idleTimer = null
    const quietMs = Date.now() - this.lastChangeAt
    if (quietMs < this.options.versionIdleMs) {
      this.idleTimer = setTimeout(this.idleElapsed, this.options.versionIdleMs - quietMs)
      return
    }
    void this.saveIfChanged()
  }

  private everyElapsed = (): void => {
    this.everyTimer = null
    void this.saveIfChanged()
  }

  /** Saves an automatic version if the room changed since the last one (eviction calls it after the final flush). */
  saveIfChanged(): Promise<void> {
    this.saving = this.saving.then(() => this.saveNow())
    return this.saving
  }

  private async saveNow(): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    this.clearTimers()
    const { store, log } = this.options
    try {
      await this.hooks.flush()
      const version = await store.saveVersion(this.roomId, { kind: 'auto', label: null, skipIfUnchanged: true, live: this.hooks.live })
      this.hooks.saved()
      await store.thinVersions(this.roomId, new Date(), this.options.versionRetentionDays)
      if (version) log.debug({ room: this.roomId, version: version.id }, 'automatic version saved')
    } catch (error) {
      // Kept dirty: the next change's timers, or the eviction, try again.
      this.dirty = true
      log.warn({ room: this.roomId, err: error }, 'automatic version failed; will retry')
    }
  }

  /** Starts no more saves and clears the timers; resolves when a save under way has finished. */
  stop(): Promise<void> {
    this.stopped = true
    this.clearTimers()
    return this.saving
  }

  private clearTimers(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    if (this.everyTimer) clearTimeout(this.everyTimer)
    this.idleTimer = null
    this.everyTimer = null
  }
}
