import { NextResponse, type NextRequest } from 'next/server'
import { clientAddress, rateLimitKey } from '../../lib/clientAddress.ts'
import { WindowCounter } from '../../lib/windowCounter.ts'
import { requestSocketAddress } from './socketAddress.ts'

/** A whole number from the environment (or its default); a bad value fails with a message naming the variable. */
function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min} (got ${raw})`)
  return value
}

/** Requests per minute per client for each limited endpoint (configurable; see README). */
const LIMITS = {
  token: setting('TOKEN_REQUESTS_PER_MIN', 600, 1),
  upload: setting('UPLOADS_PER_MIN', 30, 1),
  board: setting('BOARDS_PER_MIN', 20, 1),
}

export type LimitedEndpoint = keyof typeof LIMITS

/** Reverse proxies in front of the app that append to X-Forwarded-For; 0: the TCP peer is the client. */
const TRUST_PROXY_HOPS = setting('TRUST_PROXY_HOPS', 0, 0)

/**
 * Clients tracked per endpoint within a minute. Past it, new clients share one overflow key (and
 * its limit) until old windows expire: memory stays bounded and a flood of fresh addresses
 * neither resets nor escapes anyone's count.
 */
export const MAX_TRACKED_CLIENTS = 10_000
const OVERFLOW_KEY = 'overflow'

const counters: Record<LimitedEndpoint, WindowCounter> = {
  token: new WindowCounter(60_000),
  upload: new WindowCounter(60_000),
  board: new WindowCounter(60_000),
}

/**
 * The key a request counts under: its client behind TRUST_PROXY_HOPS proxies (the TCP peer when
 * none), IPv6 by /64. A client-sent X-Forwarded-For is never trusted: without app/_server/httpServer.mjs in
 * front (no peer address known) and no trusted proxy, every request counts as one unknown client.
 */
export function clientKey(headers: Headers): string {
  const address = clientAddress(
    requestSocketAddress(),
    { forwardedFor: headers.get('x-forwarded-for'), realIp: headers.get('x-real-ip') },
    TRUST_PROXY_HOPS,
  )
  return rateLimitKey(address)
}

/** Counts one request of this client to `endpoint`; true when it is over the endpoint's limit for the current minute. */
export function overLimit(headers: Headers, endpoint: LimitedEndpoint, now = Date.now()): boolean {
  const counter = counters[endpoint]
  if (counter.size >= MAX_TRACKED_CLIENTS) counter.prune(now)
  const key = clientKey(headers)
  const tracked = counter.count(key, now) > 0 || counter.size < MAX_TRACKED_CLIENTS
  return counter.add(tracked ? key : OVERFLOW_KEY, now) > LIMITS[endpoint]
}

/** A 429 answer when this client passed the endpoint's limit for the current minute, otherwise null. */
export function rateLimited(request: NextRequest, endpoint: LimitedEndpoint): NextResponse | null {
  if (!overLimit(request.headers, endpoint)) return null
  return NextResponse.json({ error: 'too many requests; try again in a minute' }, { status: 429, headers: { 'retry-after': '60' } })
}
