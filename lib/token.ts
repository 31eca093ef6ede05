import { SignJWT, jwtVerify, errors } from 'jose'
import type { PeerIdentity, Scope } from './protocol.ts'

/** The claims of a room token, as the app issues them and the sync server verifies them. */
export interface RoomTokenClaims {
  sub: string
  name: string
  color?: string
  room: string
  scope: Scope
}

export interface VerifiedRoomToken {
  user: PeerIdentity
  room: string
  scope: Scope
  expiresAt: number
}

export type TokenFailure = 'invalid' | 'expired' | 'room-mismatch'

export class RoomTokenError extends Error {
  constructor(readonly failure: TokenFailure) {
    super(`room token ${failure}`)
  }
}

const ALGORITHM = 'HS256'
const DEFAULT_COLOR = '#1f77b4'
const MAX_NAME_LENGTH = 64
const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/

const keys = new Map<string, Uint8Array>()

/** One key object per secret: jose caches the imported WebCrypto key per object. */
function secretKey(secret: string): Uint8Array {
  let key = keys.get(secret)
  if (!key) {
    key = new TextEncoder().encode(secret)
    keys.set(secret, key)
  }
  return key
}

/** Signs a short-lived room token (HS256 with AUTH_SECRET). */
export async function signRoomToken(claims: RoomTokenClaims, secret: string, ttlSeconds = 300): Promise<string> {
  return new SignJWT({ name: claims.name, color: claims.color, room: claims.room, scope: claims.scope })
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secretKey(secret))
}

/**
 * Verifies a room token for `room`. Throws RoomTokenError with a failure kind
 * that never says which part of the signature check failed.
 */
export async function verifyRoomToken(token: string, secret: string, room: string): Promise<VerifiedRoomToken> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, secretKey(secret), { algorithms: [ALGORITHM], requiredClaims: ['exp', 'sub'] }))
  } catch (error) {
    throw new RoomTokenError(error instanceof errors.JWTExpired ? 'expired' : 'invalid')
  }
  const { sub, name, color, scope, exp } = payload
  // A token with an audience is for something else (an internal call), never a room.
  if (payload.aud !== undefined) throw new RoomTokenError('invalid')
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw new RoomTokenError('invalid')
  if (typeof name !== 'string' || typeof payload.room !== 'string' || typeof exp !== 'number') throw new RoomTokenError('invalid')
  if (scope !== 'edit' && scope !== 'view') throw new RoomTokenError('invalid')
  if (color !== undefined && (typeof color !== 'string' || !COLOR_PATTERN.test(color))) throw new RoomTokenError('invalid')
  if (payload.room !== room) throw new RoomTokenError('room-mismatch')
  return {
    user: { id: sub, name: name.slice(0, MAX_NAME_LENGTH), color: color ?? DEFAULT_COLOR },
    room,
    scope,
    expiresAt: exp * 1000,
  }
}

/** What the app may ask the sync server to do for a room (its internal endpoints, docs/versions.md). */
/**
 * What an internal call may do (docs/protocol.md, "Internal endpoints"). `presence` reads many
 * rooms at once: its token names the room `*`.
 */
export type InternalAction = 'save-version' | 'restore' | 'revoke' | 'read-state' | 'rename' | 'presence'

/** The audience of internal-call tokens: a room token has none, so neither passes for the other. */
const INTERNAL_AUDIENCE = 'sync-internal'
/** Internal tokens are signed for one call, just before it is made. */
const INTERNAL_TOKEN_TTL_SECONDS = 60

/** Signs a token for one call from the app to the sync server's internal endpoints: this room, this action, 60 s. */
export async function signInternalToken(secret: string, roomId: string, action: InternalAction): Promise<string> {
  return new SignJWT({ room: roomId, action })
    .setProtectedHeader({ alg: ALGORITHM })
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + INTERNAL_TOKEN_TTL_SECONDS)
    .sign(secretKey(secret))
}

/** True when `token` is an unexpired internal token for exactly this room and action. */
export async function verifyInternalToken(token: string, secret: string, roomId: string, action: InternalAction): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), { algorithms: [ALGORITHM], audience: INTERNAL_AUDIENCE, requiredClaims: ['exp'] })
    return payload.room === roomId && payload.action === action
  } catch {
    return false
  }
}
