import { useValue } from 'tldraw'
import type { BoardSession, GoneReason } from '@/lib/client/boardSession.ts'

const HEADINGS: Record<GoneReason, string> = {
  'link revoked': 'This link was reset by the owner',
  'board deleted': 'This board was deleted',
  unknown: 'This board is no longer available',
}

const DETAILS: Record<GoneReason, string> = {
  'link revoked': 'Ask the owner for the new link.',
  'board deleted': 'Its owner moved it to the trash.',
  unknown: 'It was deleted, or the link you opened it with was reset by its owner.',
}

/**
 * Over the board once the server says it is gone for this link (deleted, or the link was reset):
 * the copy on this device has been removed, the board is read-only, and nothing more can be saved.
 */
export default function BoardGoneNotice({ session }: { session: BoardSession }) {
  const gone = useValue('board gone', () => session.connection.get() === 'gone', [session])
  const reason = useValue('gone reason', () => session.goneReason.get() ?? 'unknown', [session])
  if (!gone) return null
  return (
    <div className="board-gone" role="alert" data-testid="board-gone" data-reason={reason}>
      <h2>{HEADINGS[reason]}</h2>
      <p>
        {DETAILS[reason]} The copy on this device was removed.
      </p>
      <a className="button" href="/">
        Go to your boards
      </a>
    </div>
  )
}
