import { useEffect } from 'react'
import { useValue } from 'tldraw'
import type { BoardSession, OpeningProgress } from '@/lib/client/boardSession.ts'
import { HELP_LAN_PATH, boardStatus, unreachableStatus } from '@/lib/client/boardStatus.ts'

/** What to check when the sync server cannot be reached, with the link to the LAN help page. */
function ConnectionHint({ hint }: { hint: string }) {
  return (
    <span className="save-state" data-testid="connection-hint">
      {hint} See{' '}
      <a href={HELP_LAN_PATH} target="_blank" rel="noreferrer">
        Use it on your LAN
      </a>
    </span>
  )
}

/** Connection state, whether the server has durably stored every local change, and what waits on this device. */
export default function ConnectionBadge({ session }: { session: BoardSession }) {
  const connection = useValue('connection', () => session.connection.get(), [session])
  const syncUrl = useValue('sync url', () => session.syncUrl.get(), [session])
  const saveState = useValue('save state', () => session.saveState.get(), [session])
  const pendingChanges = useValue('pending changes', () => session.local.pending.get().size, [session])
  const localCopy = useValue('local copy health', () => session.local.health.get(), [session])
  const storageError = useValue('local copy error', () => session.local.error.get(), [session])
  const status = boardStatus({ scope: session.scope, connection, saveState, pendingChanges, localCopy, syncUrl })

  // With the copy on this device, leaving loses nothing: no prompt. Without it, unsaved changes would be lost.
  useEffect(() => {
    if (!status.warnBeforeUnload) return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [status.warnBeforeUnload])

  return (
    <>
      <span className="badge" data-testid="connection-state" data-state={connection} role="status">
        {status.connection}
      </span>
      {status.hint !== null && <ConnectionHint hint={status.hint} />}
      {status.save !== null && (
        <span className="save-state" data-testid="save-state" data-state={saveState} data-pending={pendingChanges}>
          {status.save}
        </span>
      )}
      {storageError && (
        <span className="save-state" data-testid="local-copy-error" data-state={localCopy} role="alert">
          {storageError}
        </span>
      )}
    </>
  )
}

/**
 * The page's line while a board opens (`openBoardSession`'s `onOpening`): "Connecting to the
 * board…", or, once the sync server has not answered for a while, which one and what to check.
 */
export function ConnectingNotice({ progress }: { progress: OpeningProgress | null }) {
  if (progress?.connection !== 'unreachable') return <p className="error-page muted">Connecting to the board…</p>
  const { connection, hint } = unreachableStatus(progress.syncUrl)
  return (
    <main className="error-page">
      <p data-testid="connection-state" data-state="unreachable" role="status">
        {connection}
      </p>
      <p className="muted">
        <ConnectionHint hint={hint} />
      </p>
    </main>
  )
}
