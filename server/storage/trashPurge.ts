import type { Logger } from '../log.ts'
import type { BoardRows } from './roomStore.ts'

/** How often the sync server looks for boards whose time in the trash is up. */
export const TRASH_PURGE_INTERVAL_MS = 60 * 60 * 1000
const DAY_MS = 86_400_000

/**
 * The trash's retention: boards trashed more than `retentionDays` ago are deleted with all they
 * hold, once at start and then hourly. Every instance runs it; a board deleted by one is simply
 * not found by the others. A failure is logged and retried at the next run.
 */
export class TrashPurge {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<number> | null = null
  private stopped = false

  constructor(
    private readonly store: Pick<BoardRows, 'purgeTrashedRooms'>,
    private readonly retentionDays: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.stopped || this.timer) return
    void this.run().catch(() => 0)
    this.timer = setInterval(() => void this.run().catch(() => 0), TRASH_PURGE_INTERVAL_MS)
    this.timer.unref()
  }

  /** Deletes the boards whose time in the trash is up; resolves with how many (a run under way is joined). */
  run(now = new Date()): Promise<number> {
    this.running ??= this.store
      .purgeTrashedRooms(new Date(now.getTime() - this.retentionDays * DAY_MS))
      .then(
        (count) => {
          if (count > 0) this.log.info({ boards: count, retentionDays: this.retentionDays }, 'trashed boards deleted')
          return count
        },
        (error: unknown) => {
          this.log.warn({ err: error }, 'trash purge failed; will retry')
          throw error
        },
      )
      .finally(() => (this.running = null))
    return this.running
  }

  /** Starts no more runs; resolves when one under way has finished (the store is then closed). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running?.catch(() => 0)
  }
}
