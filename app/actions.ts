'use server'

import { redirect } from 'next/navigation'
import { createBoard } from './_server/boards.ts'

/** Creates a board (with the name typed, if any) and opens it. */
export async function createBoardAndOpen(formData: FormData): Promise<void> {
  const { id } = await createBoard(formData.get('name'))
  redirect(`/b/${id}`)
}
