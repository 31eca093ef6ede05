import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import BoardLoader from '@/components/BoardLoader.tsx'
import { findBoardByLink } from '../../_server/boards.ts'

export const dynamic = 'force-dynamic'

type Props = { params: Promise<{ viewId: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const board = await findBoardByLink('v', (await params).viewId)
  return { title: board ? `${board.name} (view only) · Whiteboard` : 'Board not found · Whiteboard' }
}

/** The view-only link: live, read-only, and it never learns the edit id. */
export default async function ViewBoardPage({ params }: Props) {
  const board = await findBoardByLink('v', (await params).viewId)
  if (!board) notFound()
  return <BoardLoader link={{ kind: 'v', id: board.viewId }} name={board.name} shareIds={{ viewId: board.viewId }} />
}
