import { NextResponse, type NextRequest } from 'next/server'
import { clientAddress, rateLimitKey } from '../../lib/clientAddress.ts'
import { WindowCounter } from '../../lib/windowCounter.ts'
import type { AppConfig } from '../../lib/config.ts'
import { appConfig } from './config.ts'
import { requestSocketAddress } from './socketAddress.ts'

/** The endpoints with a per-client limit (TOKEN_REQUESTS_PER_MIN, UPLOADS_PER_MIN, BOARDS_PER_MIN, VERSIONS_PER_MIN). */
export type LimitedEndpoint = keyof AppConfig['rateLimits']

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
  version: new WindowCounter(60_000),
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
    appConfig().trustProxyHops,
  )
  return rateLimitKey(address)
}

/** Counts one request of this client to `endpoint`; true when it is over the endpoint's limit for the current minute. */
export function overLimit(headers: Headers, endpoint: LimitedEndpoint, now = Date.now()): boolean {
  const counter = counters[endpoint]
  if (counter.size >= MAX_TRACKED_CLIENTS) counter.prune(now)
  const key = clientKey(headers)
  const tracked = counter.count(key, now) > 0 || counter.size < MAX_TRACKED_CLIENTS
  return counter.add(tracked ? key : OVERFLOW_KEY, now) > appConfig().rateLimits[endpoint]
}

/** A 429 answer when this client passed the endpoint's limit for the current minute, otherwise null. */
export function rateLimited(request: NextRequest, endpoint: LimitedEndpoint): NextResponse | null {
  if (!overLimit(request.headers, endpoint)) return null
  return NextResponse.json({ error: 'too many requests; try again in a minute' }, { status: 429, headers: { 'retry-after': '60' } })
}
