import { afterEach, describe, expect, it, vi } from 'vitest'
import { TokenRequestError, requestRoomTokenEarly, takeRoomToken } from './roomToken.ts'

const link = { kind: 'b' as const, id: 'room-1' }
const identity = { name: 'Ada', color: '#1c7ed6' }

/** A fetch that answers each token request with a numbered token, or the given status. */
function answerTokens(status = 200) {
  const bodies: unknown[] = []
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    bodies.push(JSON.parse(String(init.body)))
    const token = `token-${bodies.length}`
    return new Response(JSON.stringify({ token, scope: 'edit', room: 'room-1', syncUrl: 'ws://127.0.0.1:1', userId: 'u' }), { status })
  })
  return bodies
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  // Leave no early request behind for the next test.
  void takeRoomToken(link, identity).catch(() => {})
})

describe('the early room token', () => {
  it('is asked for once, and the first take gets it without another request', async () => {
    const bodies = answerTokens()
    requestRoomTokenEarly(link, identity)
    requestRoomTokenEarly(link, identity)
    expect((await takeRoomToken(link, identity)).token).toBe('token-1')
    expect(bodies).toEqual([{ link: 'b', id: 'room-1', name: 'Ada', color: '#1c7ed6' }])
    // Taken once: the next take asks again.
    expect((await takeRoomToken(link, identity)).token).toBe('token-2')
  })

  it('is not used for another board or another name', async () => {
    const bodies = answerTokens()
    requestRoomTokenEarly(link, identity)
    expect((await takeRoomToken(link, { ...identity, name: 'Grace' })).token).toBe('token-2')
    expect(bodies[1]).toMatchObject({ name: 'Grace' })
    requestRoomTokenEarly(link, identity)
    expect((await takeRoomToken({ kind: 'v', id: 'room-1' }, identity)).token).toBe('token-4')
  })

  it('is not used once it is 20 s old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    answerTokens()
    requestRoomTokenEarly(link, identity)
    vi.setSystemTime(Date.now() + 20_001)
    expect((await takeRoomToken(link, identity)).token).toBe('token-2')
  })

  it('hands its failure to the take, which can then retry', async () => {
    answerTokens(404)
    requestRoomTokenEarly(link, identity)
    const failure = await takeRoomToken(link, identity).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TokenRequestError)
    expect((failure as TokenRequestError).permanent).toBe(true)
  })
})
