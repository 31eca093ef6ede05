import Link from 'next/link'
import ForgetMissingBoard from '@/components/ForgetMissingBoard.tsx'

/** Shown for an unknown board and for any link that was mistyped or tampered with. */
export default function NotFound() {
  return (
    <main className="error-page" data-testid="error-page">
      <h1>This board does not exist</h1>
      <p className="muted">The link may be mistyped, incomplete or no longer valid. Ask whoever shared it for a fresh link.</p>
      <p>
        <Link className="button" href="/">
          Start a new board
        </Link>
      </p>
      <ForgetMissingBoard />
    </main>
  )
}
