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
}

export interface BoardStatus {
  connection: string
  /** The saving line; null for view-only links, which never hold changes. */
  save: string | null
  /** Leaving the page would lose changes: only when they are neither on the server nor on this device. */
  warnBeforeUnload: boolean
}

function changes(count: number): string {
  return count === 1 ? '1 change' : `${count} changes`
}

/** The badge's words for a board's state (the state machine of docs/offline.md, "What the badge says"). */
export function boardStatus({ scope, connection, saveState, pendingChanges, localCopy }: BoardStatusInput): BoardStatus {
  const kept = localCopy === 'ok'
  const disconnected = connection === 'offline' || connection === 'reconnecting' || connection === 'connecting' || connection === 'refused'
  const where = kept ? 'your changes are kept on this device' : 'changes are kept only while this page is open'
  const connectionLabel = {
    connecting: 'Connecting…',
    live: 'Live',
    offline: scope === 'view' ? 'Offline — showing the copy on this device' : `Offline — ${where}`,
    reconnecting: scope === 'view' ? 'Reconnecting…' : `Reconnecting… ${where}`,
    refused: 'Disconnected · please reload',
    gone: 'This board was deleted or its link was reset',
  }[connection]

  if (scope === 'view') return { connection: connectionLabel, save: null, warnBeforeUnload: false }

  let save: string
  if (saveState === 'full') save = 'Board is full · delete something to save your changes'
  else if (connection === 'gone') save = 'Changes here can no longer be saved'
  else if (pendingChanges > 0 && disconnected) save = `${changes(pendingChanges)} waiting to be saved`
  else if (saveState === 'saving' || pendingChanges > 0) save = 'Saving…'
  else save = 'All changes saved'

  const unsaved = saveState !== 'saved' || pendingChanges > 0
  return { connection: connectionLabel, save, warnBeforeUnload: unsaved && !kept && connection !== 'gone' }
}
