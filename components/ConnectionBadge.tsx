import { useValue } from 'tldraw'
import type { BoardSession } from '@/lib/client/boardSession.ts'

const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Offline · reconnecting…',
  refused: 'Disconnected · please reload',
} as const

const SAVE_LABELS = {
  saved: 'All changes saved',
  saving: 'Saving…',
  full: 'Board is full · delete something to save your changes',
} as const

/** Connection state, and whether the server has durably stored every local change. */
export default function ConnectionBadge({ session }: { session: BoardSession }) {
  const connection = useValue('connection', () => session.connection.get(), [session])
  const saveState = useValue('save state', () => session.saveState.get(), [session])
  return (
    <>
      <span className="badge" data-testid="connection-state" data-state={connection}>
        {CONNECTION_LABELS[connection]}
      </span>
      {session.scope === 'edit' && (
        <span className="save-state" data-testid="save-state" data-state={saveState}>
          {SAVE_LABELS[saveState]}
        </span>
      )}
    </>
  )
}
