import type { Metadata } from 'next'
import Link from 'next/link'

export const metadata: Metadata = { title: 'Offline · Whiteboard' }

/**
 * Precached by the service worker and served for a page that cannot be reached and has no copy on
 * this device (app/sw.ts).
 */
export default function OfflinePage() {
  return (
    <main className="error-page" data-testid="offline-page">
      <h1>You are offline</h1>
      <p className="muted">
        This board has not been opened on this device yet, so there is no copy of it here. It will open when you are back online.
      </p>
      <p>
        <Link className="button" href="/">
          Go to your boards
        </Link>
      </p>
    </main>
  )
}
