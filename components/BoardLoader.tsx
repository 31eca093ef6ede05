'use client'

import dynamic from 'next/dynamic'
import { useEffect } from 'react'
import { preload } from 'react-dom'
import { loadGuestIdentity } from '@/lib/client/guestIdentity.ts'
import { requestRoomTokenEarly } from '@/lib/client/roomToken.ts'
import type { BoardProps } from './Board.tsx'

// tldraw touches the DOM as soon as it loads: render it in the browser only.
const Board = dynamic(() => import('./Board.tsx'), {
  ssr: false,
  loading: () => <p className="error-page muted">Loading the board…</p>,
})

// tldraw draws text in this font and shows no shape before the fonts a page uses have loaded: the
// page asks for it with its first bytes instead of once the editor's code has run.
const DRAW_FONT = '/tldraw/fonts/Shantell_Sans-Informal_Regular.woff2'

export default function BoardLoader(props: BoardProps) {
  preload(DRAW_FONT, { as: 'font', type: 'font/woff2', crossOrigin: 'anonymous' })
  const { kind, id } = props.link
  // The first room token is asked for now, while the editor's code still downloads (roomToken.ts).
  useEffect(() => {
    if (navigator.onLine !== false) requestRoomTokenEarly({ kind, id }, loadGuestIdentity())
  }, [kind, id])
  return <Board {...props} />
}
