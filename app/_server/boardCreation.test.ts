import { AsyncLocalStorage } from 'node:async_hooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getURLFromRedirectError } from 'next/dist/client/components/redirect'
import { isRedirectError } from 'next/dist/client/components/redirect-error'
import { createTempDatabase, TEST_SECRET } from '../../server/testing/support.ts'
import { database } from './db.ts'
import { SOCKET_ADDRESS_STORE } from './socketAddress.ts'

// The server action reads the request's headers through next/headers, which needs Next's request
// scope; here each call gets the headers the test gives it. Everything else is real: the limiter,
// the peer address as app/_server/httpServer.mjs provides it, and a temporary SQLite database.
let requestHeaders = new Headers()
vi.mock('next/headers', () => ({ headers: async () => requestHeaders }))

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
})
