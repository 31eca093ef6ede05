import RecentBoards from '@/components/RecentBoards.tsx'
import { createBoardAndOpen } from './actions.ts'

export default function HomePage() {
  return (
    <main className="home">
      <h1>Whiteboard</h1>
      <p className="muted">Start a board, share its link, draw together.</p>
      <form action={createBoardAndOpen}>
        <input name="name" placeholder="Untitled board" aria-label="Board name" maxLength={100} />
        <button className="button" type="submit">
          New board
        </button>
      </form>
      <RecentBoards />
    </main>
  )
}
