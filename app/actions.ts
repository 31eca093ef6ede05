'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { createBoard } from './_server/boards.ts'
import { overLimit } from './_server/rateLimit.ts'

/** Creates a board (with the name typed, if any) and opens it; past BOARDS_PER_MIN for this client, back home with a notice. */
export async function createBoardAndOpen(formData: FormData): Promise<void> {
  if (overLimit(await headers(), 'board')) redirect('/?limited=boards')
  const { id } = await createBoard(formData.get('name'))
  redirect(`/b/${id}`)
}
