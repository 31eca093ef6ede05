'use client'

import dynamic from 'next/dynamic'
import type { BoardProps } from './Board.tsx'

// tldraw touches the DOM as soon as it loads: render it in the browser only.
const Board = dynamic(() => import('./Board.tsx'), {
  ssr: false,
  loading: () => <p className="error-page muted">Loading the board…</p>,
})

export default function BoardLoader(props: BoardProps) {
  return <Board {...props} />
}
