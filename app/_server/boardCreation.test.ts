import { AsyncLocalStorage } from 'node:async_hooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getURLFromRedirectError } from 'next/dist/client/components/redirect'
import { isRedirectError } from 'next/dist/client/components/redirect-error'
import { createTempDatabase, TEST_SECRET } from '../../server/testing/support.ts'
import { database } from './db.ts'
import { GUEST_COOKIE, guestCookie, readGuestCookie } from './guest.ts'
import { SOCKET_ADDRESS_STORE } from './socketAddress.ts'

// The server action reads the request's headers and cookies through next/headers, which needs
// Next's request scope; here each call gets the headers and cookies the test gives it, and the
// cookies it sets are kept. Everything else is real: the limiter, the peer address as
// app/_server/httpServer.mjs provides it, and a temporary SQLite database.
let requestHeaders = new Headers()
const requestCookies = new Map<string, string>()
vi.mock('next/headers', () => ({
  headers: async () => requestHeaders,
  cookies: async () => ({
    get: (name: string) => (requestCookies.has(name) ? { name, value: requestCookies.get(name) } : undefined),
    set: (cookie: { name: string; value: string }) => void requestCookies.set(cookie.name, cookie.value),
  }),
}))

const peers = new AsyncLocalStorage<string | undefined>()
;(globalThis as Record<symbol, unknown>)[SOCKET_ADDRESS_STORE] = peers

/** Where the action sends the browser for a board-creation form posted by TCP peer `peer`. */
async function submitNewBoard(peer: string, headers: Record<string, string> = {}): Promise<string> {
  const { createBoardAndOpen } = await import('../actions.ts')
  requestHeaders = new Headers(headers)
  const form = new FormData()
  form.set('name', 'Flood')
  try {
    await peers.run(peer, () => createBoardAndOpen(form))
  } catch (error) {
    if (isRedirectError(error)) return getURLFromRedirectError(error)
    throw error
  }
  throw new Error('the action did not redirect')
}

describe('board creation (server action)', () => {
  let temp: Awaited<ReturnType<typeof createTempDatabase>>

  beforeAll(async () => {
    temp = await createTempDatabase('sqlite')
    vi.stubEnv('DATABASE_URL', temp.url)
    vi.stubEnv('AUTH_SECRET', TEST_SECRET)
    vi.stubEnv('BOARDS_PER_MIN', '5')
  })

  afterAll(async () => {
    await (await database()).$disconnect()
    delete (globalThis as { whiteboardDb?: unknown }).whiteboardDb
    vi.unstubAllEnvs()
    await temp.remove()
  })

  it('creates at most BOARDS_PER_MIN boards a minute per client, whatever X-Forwarded-For it sends; others can still create', async () => {
    const destinations: string[] = []
    for (let i = 0; i < 7; i++) destinations.push(await submitNewBoard('203.0.113.9', { 'x-forwarded-for': `10.0.0.${i}` }))
    expect(destinations.slice(0, 5).every((url) => /^\/b\/[A-Za-z0-9_-]{22}$/.test(url))).toBe(true)
    expect(destinations.slice(5)).toEqual(['/?limited=boards', '/?limited=boards'])
    expect(await (await database()).room.count()).toBe(5)

    expect(await submitNewBoard('203.0.113.10')).toMatch(/^\/b\//)
    expect(await (await database()).room.count()).toBe(6)
  })

  it("makes the caller the board's owner, giving a new guest its cookie", async () => {
    requestCookies.clear()
    const first = (await submitNewBoard('203.0.113.20')).slice('/b/'.length)
    const issued = readGuestCookie(requestCookies.get(GUEST_COOKIE))
    expect(issued).not.toBeNull()
    const db = await database()
    expect(await db.room.findUniqueOrThrow({ where: { editId: first } })).toMatchObject({ ownerId: issued })

    const known = guestCookie('known-guest-id-0001')
    requestCookies.set(known.name, known.value)
    const second = (await submitNewBoard('203.0.113.20')).slice('/b/'.length)
    expect(await db.room.findUniqueOrThrow({ where: { editId: second } })).toMatchObject({ ownerId: 'known-guest-id-0001' })
    expect(requestCookies.get(GUEST_COOKIE)).toBe(known.value)
  })
})
