import { describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import { RoomTokenError, signInternalToken, signRoomToken, verifyInternalToken, verifyRoomToken } from './token.ts'

const SECRET = 'unit-secret-0123456789abcdef012345'

async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'none'
  } catch (error) {
    return error instanceof RoomTokenError ? error.failure : 'other'
  }
}

describe('room tokens', () => {
  it('round-trips the claims the server shows to others', async () => {
    const token = await signRoomToken({ sub: 'u1', name: 'Ada', color: '#123456', room: 'r1', scope: 'view' }, SECRET)
    const verified = await verifyRoomToken(token, SECRET, 'r1')
    expect(verified.user).toEqual({ id: 'u1', name: 'Ada', color: '#123456' })
    expect(verified.scope).toBe('view')
    expect(verified.expiresAt).toBeGreaterThan(Date.now())
  })

  it('gives a default colour and trims over-long names', async () => {
    const token = await signRoomToken({ sub: 'u1', name: 'x'.repeat(200), room: 'r1', scope: 'edit' }, SECRET)
    const { user } = await verifyRoomToken(token, SECRET, 'r1')
    expect(user.name).toHaveLength(64)
    expect(user.color).toMatch(/^#[0-9a-f]{6}$/)
  })

  it('tells expired, invalid and wrong-room tokens apart', async () => {
    const valid = await signRoomToken({ sub: 'u1', name: 'Ada', room: 'r1', scope: 'edit' }, SECRET)
    const expired = await signRoomToken({ sub: 'u1', name: 'Ada', room: 'r1', scope: 'edit' }, SECRET, -10)
    expect(await failureOf(verifyRoomToken(valid, SECRET, 'r2'))).toBe('room-mismatch')
    expect(await failureOf(verifyRoomToken(valid, `${SECRET}x`, 'r1'))).toBe('invalid')
    expect(await failureOf(verifyRoomToken(expired, SECRET, 'r1'))).toBe('expired')
    expect(await failureOf(verifyRoomToken(`${valid}x`, SECRET, 'r1'))).toBe('invalid')
  })

  it('rejects a bad colour instead of passing it on to other clients', async () => {
    const token = await signRoomToken({ sub: 'u1', name: 'Ada', color: 'red;background:url(x)', room: 'r1', scope: 'edit' }, SECRET)
    expect(await failureOf(verifyRoomToken(token, SECRET, 'r1'))).toBe('invalid')
  })
})

describe('internal tokens', () => {
  it('are accepted for their room and action only', async () => {
    const token = await signInternalToken(SECRET, 'r1', 'restore')
    expect(await verifyInternalToken(token, SECRET, 'r1', 'restore')).toBe(true)
    expect(await verifyInternalToken(token, SECRET, 'r2', 'restore')).toBe(false)
    expect(await verifyInternalToken(token, SECRET, 'r1', 'save-version')).toBe(false)
    expect(await verifyInternalToken(token, `${SECRET}x`, 'r1', 'restore')).toBe(false)
    expect(await verifyInternalToken(`${token}x`, SECRET, 'r1', 'restore')).toBe(false)
  })

  it('expire', async () => {
    const expired = await new SignJWT({ room: 'r1', action: 'restore' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('sync-internal')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(SECRET))
    expect(await verifyInternalToken(expired, SECRET, 'r1', 'restore')).toBe(false)
  })

  it('never pass for a room token, and a room token never passes for one', async () => {
    const internal = await signInternalToken(SECRET, 'r1', 'restore')
    expect(await failureOf(verifyRoomToken(internal, SECRET, 'r1'))).toBe('invalid')
    const room = await signRoomToken({ sub: 'u1', name: 'Ada', room: 'r1', scope: 'edit' }, SECRET)
    expect(await verifyInternalToken(room, SECRET, 'r1', 'restore')).toBe(false)
    // Even a room-shaped token that carries the internal audience is refused as a room token.
    const withAudience = await new SignJWT({ name: 'Ada', room: 'r1', scope: 'edit', action: 'restore' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setAudience('sync-internal')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(new TextEncoder().encode(SECRET))
    expect(await failureOf(verifyRoomToken(withAudience, SECRET, 'r1'))).toBe('invalid')
  })
})
