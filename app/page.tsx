import HomeBoards from '@/components/HomeBoards.tsx'
import { createBoardAndOpen } from './actions.ts'

type Props = { searchParams: Promise<{ limited?: string; trash?: string }> }

export default async function HomePage({ searchParams }: Props) {
  const params = await searchParams
  const limited = params.limited === 'boards'
  return (
    <main className="home">
      <h1>Whiteboard</h1>
      <p className="muted">Start a board, share its link, draw together.</p>
      {limited && (
        <p className="notice" role="alert" data-testid="boards-limited">
          Too many new boards from your network in the last minute. Try again in a minute.
        </p>
      )}
      <form action={createBoardAndOpen}>
        <input name="name" placeholder="Untitled board" aria-label="Board name" maxLength={100} />
        <button className="button" type="submit">
          New board
        </button>
      </form>
      <HomeBoards trash={params.trash === '1'} />
    </main>
  )
}
