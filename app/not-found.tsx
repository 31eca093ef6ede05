import Link from 'next/link'
import ForgetMissingBoard from '@/components/ForgetMissingBoard.tsx'

/** Shown for an unknown board and for any link that was mistyped, tampered with, reset by its owner or trashed. */
export default function NotFound() {
  return (
    <main className="error-page" data-testid="error-page">
      <h1>This board does not exist</h1>
      <p className="muted">
        The link may be mistyped or incomplete, the board may have been deleted, or its owner may have reset this link. Ask
        whoever shared it for a fresh link.
      </p>
      <p>
        <Link className="button" href="/">
          Go to your boards
        </Link>
      </p>
      <ForgetMissingBoard />
    </main>
  )
}
