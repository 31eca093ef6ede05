import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import BoardLoader from '@/components/BoardLoader.tsx'
import { findBoardByLink } from '../../_server/boards.ts'

export const dynamic = 'force-dynamic'

type Props = { params: Promise<{ roomId: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const board = await findBoardByLink('b', (await params).roomId)
  return { title: board ? `${board.name} · Whiteboard` : 'Board not found · Whiteboard' }
}

/** The edit link: the full editor. */
export default async function EditBoardPage({ params }: Props) {
  const board = await findBoardByLink('b', (await params).roomId)
  if (!board) notFound()
  return <BoardLoader link={{ kind: 'b', id: board.roomId }} name={board.name} shareIds={{ roomId: board.roomId, viewId: board.viewId }} />
}
