import { useEffect } from 'react'
import { useValue } from 'tldraw'
import type { BoardSession } from '@/lib/client/boardSession.ts'
import { boardStatus } from '@/lib/client/boardStatus.ts'

/** Connection state, whether the server has durably stored every local change, and what waits on this device. */
export default function ConnectionBadge({ session }: { session: BoardSession }) {
  const connection = useValue('connection', () => session.connection.get(), [session])
  const saveState = useValue('save state', () => session.saveState.get(), [session])
  const pendingChanges = useValue('pending changes', () => session.local.pending.get().size, [session])
  const localCopy = useValue('local copy health', () => session.local.health.get(), [session])
  const storageError = useValue('local copy error', () => session.local.error.get(), [session])
  const status = boardStatus({ scope: session.scope, connection, saveState, pendingChanges, localCopy })

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
