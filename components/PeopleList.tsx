import { useValue } from 'tldraw'
import type { BoardSession } from '@/lib/client/boardSession.ts'

/** Everyone in the room as the server knows them (names from verified tokens). */
export default function PeopleList({ session }: { session: BoardSession }) {
  const peers = useValue('peers', () => session.peers.get(), [session])
  return (
    <ul className="people" data-testid="people-list" aria-label="People on this board">
      {peers.map((peer) => (
        <li key={peer.id} data-testid="person" data-user-id={peer.id} title={peer.scope === 'view' ? 'viewing' : 'editing'}>
          <span className="dot" style={{ background: peer.color }} />
          {peer.name}
          {peer.id === session.userId ? ' (you)' : ''}
        </li>
      ))}
    </ul>
  )
}
