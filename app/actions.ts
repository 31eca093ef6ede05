'use server'

import { cookies, headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { createBoard } from './_server/boards.ts'
import { GUEST_COOKIE, guestCookie, newGuestId, readGuestCookie } from './_server/guest.ts'
import { overLimit } from './_server/rateLimit.ts'

/**
 * Creates a board (with the name typed, if any), owned by the caller's guest id (a new guest gets
 * its cookie here), and opens it; past BOARDS_PER_MIN for this client, back home with a notice.
 */
export async function createBoardAndOpen(formData: FormData): Promise<void> {
  if (overLimit(await headers(), 'board')) redirect('/?limited=boards')
  const jar = await cookies()
  const existingGuest = readGuestCookie(jar.get(GUEST_COOKIE)?.value)
  const ownerId = existingGuest ?? newGuestId()
  if (!existingGuest) jar.set(guestCookie(ownerId))
  const { id } = await createBoard(formData.get('name'), ownerId)
  redirect(`/b/${id}`)
}
