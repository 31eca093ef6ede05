import type { Metadata } from 'next'
import Link from 'next/link'

export const metadata: Metadata = { title: 'Use it on your LAN · Whiteboard' }

const LAN_COMMAND = ['HOST=0.0.0.0 SYNC_HOST=0.0.0.0 \\', 'ALLOWED_ORIGINS=http://192.168.1.20:3000,http://localhost:3000 \\', 'npm run dev'].join('\n')

/** Where the board's "Can't reach the sync server" hint leads: the README's LAN section, in short. */
export default function LanHelp() {
  return (
    <main className="error-page" style={{ textAlign: 'left' }}>
      <h1>Use it on your LAN</h1>
      <p>
        A board talks to two servers: this app and its sync server. When the board says it can&apos;t reach the sync
        server, check that the sync server runs (<code>npm run dev</code> starts both) and that this device may reach it.
      </p>
      <p>
        <code>npm run dev</code> listens on this computer only (127.0.0.1). To draw from a phone or another computer on a
        network you trust, start it on the computer that runs it with its LAN address, say 192.168.1.20:
      </p>
      <pre>
        <code>{LAN_COMMAND}</code>
      </pre>
      <ul>
        <li>
          <code>HOST</code>, <code>SYNC_HOST</code>: the app and the sync server listen on every interface.
        </li>
        <li>
          <code>ALLOWED_ORIGINS</code>: the addresses browsers open the app at. The sync server refuses other pages, and
          the development server serves its scripts only to these hosts.
        </li>
        <li>
          <code>SYNC_PUBLIC_URL</code>: only when the sync server is not on the page&apos;s host at port 1234 (another
          machine, a proxy).
        </li>
      </ul>
      <p>
        Then open <code>http://192.168.1.20:3000</code> on the other device. In development, every browser that opens the
        app receives the list of recently visited pages, edit links of other boards included: only do this on a network
        you trust.
      </p>
      <p>
        <Link href="/">Back to your boards</Link>
      </p>
    </main>
  )
}
