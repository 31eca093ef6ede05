import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { appConfig } from './config.ts'

/** The guest cookie: `<random user id>.<HMAC-SHA256 of the id>`, httpOnly, so nobody can pose as another guest. */
export const GUEST_COOKIE = 'wb_guest'
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60

function signatureOf(userId: string): string {
  return createHmac('sha256', appConfig().authSecret).update(`guest:${userId}`).digest('base64url')
}

/** Returns the user id a guest cookie carries, or null when it is missing or its signature is wrong. */
export function readGuestCookie(value: string | undefined): string | null {
  if (!value) return null
  const [userId, signature, extra] = value.split('.')
  if (!userId || !signature || extra !== undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(userId)) return null
  const expected = Buffer.from(signatureOf(userId))
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected) ? userId : null
}

export function newGuestId(): string {
  return randomBytes(16).toString('base64url')
}

export function guestCookie(userId: string) {
  return {
    name: GUEST_COOKIE,
    value: `${userId}.${signatureOf(userId)}`,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: process.env.NODE_ENV === 'production' && !appConfig().insecureCookies,
    path: '/',
    maxAge: ONE_YEAR_SECONDS,
  }
}
