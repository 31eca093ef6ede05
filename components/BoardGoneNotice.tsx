import { useValue } from 'tldraw'
import type { BoardSession } from '@/lib/client/boardSession.ts'

/**
 * Over the board once the server says it is gone for this link (deleted, or the link was reset):
 * the copy on this device has been removed, and nothing more can be saved.
 */
export default function BoardGoneNotice({ session }: { session: BoardSession }) {
  const gone = useValue('board gone', () => session.connection.get() === 'gone', [session])
  if (!gone) return null
  return (
    <div className="board-gone" role="alert" data-testid="board-gone">
      <h2>This board is no longer available</h2>
      <p>It was deleted, or the link you opened it with was reset by its owner. The copy on this device was removed.</p>
      <a className="button" href="/">
        Go to your boards
      </a>
    </div>
  )
}
