import type { Scope } from '../protocol.ts'
import type { ConnectionState, SaveState } from './boardSession.ts'
import type { LocalCopyHealth } from './localCopy.ts'

/** What the badge is computed from. */
export interface BoardStatusInput {
  scope: Scope
  connection: ConnectionState
  saveState: SaveState
  /** Records changed on this device that the server has not acknowledged. */
  pendingChanges: number
  localCopy: LocalCopyHealth
  /** The sync server's URL from the room token; null while no token has arrived. */
  syncUrl: string | null
}

export interface BoardStatus {
  connection: string
  /** A second line with what to check, shown with a link to HELP_LAN_PATH; null when all is well or nothing can be checked. */
  hint: string | null
  /** The saving line; null for view-only links, which never hold changes. */
  save: string | null
  /** Leaving the page would lose changes: only when they are neither on the server nor on this device. */
  warnBeforeUnload: boolean
}

/** The app's page about reaching the board from other devices (app/help/lan/page.tsx). */
export const HELP_LAN_PATH = '/help/lan'

/** After this long without a live socket (since the first attempt to reach the sync server, coming back online, or the last live moment), connecting or reconnecting becomes "Can't reach the sync server". */
export const UNREACHABLE_AFTER_MS = 10_000

function changes(count: number): string {
  return count === 1 ? '1 change' : `${count} changes`
}

/** The words for a sync server that does not answer: where the page tried, and what to check. */
export function unreachableStatus(syncUrl: string | null): { connection: string; hint: string } {
  return {
    connection: syncUrl ? `Can't reach the sync server at ${syncUrl}` : "Can't reach the sync server",
    hint: 'Is the sync server running? Opened from another device?',
  }
}

/** The badge's words for a board's state (the state machine of docs/offline.md, "What the badge says"). */
export function boardStatus({ scope, connection, saveState, pendingChanges, localCopy, syncUrl }: BoardStatusInput): BoardStatus {
  const kept = localCopy === 'ok'
  const disconnected = connection !== 'live' && connection !== 'gone'
  const where = kept ? 'your changes are kept on this device' : 'changes are kept only while this page is open'
  const unreachable = unreachableStatus(syncUrl)
  const connectionLabel = {
    connecting: 'Connecting…',
    live: 'Live',
    offline: scope === 'view' ? 'Offline — showing the copy on this device' : `Offline — ${where}`,
    reconnecting: scope === 'view' ? 'Reconnecting…' : `Reconnecting… ${where}`,
    unreachable: unreachable.connection,
    refused: 'Disconnected · please reload',
    gone: 'This board was deleted or its link was reset',
  }[connection]
  const hint = connection === 'unreachable' ? unreachable.hint : null

  if (scope === 'view') return { connection: connectionLabel, hint, save: null, warnBeforeUnload: false }

  let save: string
  if (saveState === 'full') save = 'Board is full · delete something to save your changes'
  else if (connection === 'gone') save = 'Changes here can no longer be saved'
  else if (pendingChanges > 0 && disconnected) save = `${changes(pendingChanges)} waiting to be saved`
  else if (saveState === 'saving' || pendingChanges > 0) save = 'Saving…'
  else save = 'All changes saved'

  const unsaved = saveState !== 'saved' || pendingChanges > 0
  return { connection: connectionLabel, hint, save, warnBeforeUnload: unsaved && !kept && connection !== 'gone' }
}

const TRYING: readonly ConnectionState[] = ['connecting', 'reconnecting', 'unreachable']

/** The connection state as the session reports it, turned into "unreachable" after UNREACHABLE_AFTER_MS of failed attempts. */
export interface ConnectionTracker {
  get(): ConnectionState
  /** What the session sees now. Any state but connecting and reconnecting stops the clock; moving between those two keeps it. */
  set(next: ConnectionState): void
  /** From now on the sync server itself is being tried (a socket exists): connecting and reconnecting count towards "unreachable". */
  arm(): void
  dispose(): void
}

export interface TrackConnectionOptions {
  unreachableAfterMs?: number
  /** Whether attempts count from the start; false until `arm()` (while a token is awaited, it is the app that is slow, not the sync server). */
  armed?: boolean
}

/**
 * Tracks a board's connection: the session reports what it sees (`set`), and `publish` receives
 * each change, including "unreachable" once the page has been connecting or reconnecting to the
 * sync server for `unreachableAfterMs` without a live moment in between. Going offline, live,
 * refused or gone stops the clock; the next attempt starts it again.
 */
export function trackConnection(
  initial: ConnectionState,
  publish: (state: ConnectionState) => void,
  { unreachableAfterMs = UNREACHABLE_AFTER_MS, armed = true }: TrackConnectionOptions = {},
): ConnectionTracker {
  let state = initial
  let clock: ReturnType<typeof setTimeout> | null = null
  let expired = false
  const show = (next: ConnectionState) => {
    if (next === state) return
    state = next
    publish(next)
  }
  const startClock = () => {
    if (!armed || clock || expired || !TRYING.includes(state)) return
    clock = setTimeout(() => {
      clock = null
      expired = true
      if (TRYING.includes(state)) show('unreachable')
    }, unreachableAfterMs)
  }
  const stopClock = () => {
    if (clock) clearTimeout(clock)
    clock = null
    expired = false
  }
  startClock()
  return {
    get: () => state,
    set(next) {
      if (!TRYING.includes(next)) {
        stopClock()
        show(next)
        return
      }
      show(expired ? 'unreachable' : next)
      startClock()
    },
    arm() {
      armed = true
      startClock()
    },
    dispose: stopClock,
  }
}
