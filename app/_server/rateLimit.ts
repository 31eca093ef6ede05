import { NextResponse, type NextRequest } from 'next/server'
import { WindowCounter } from '../../lib/windowCounter.ts'

/** Requests per minute per client IP for each limited endpoint (configurable; see README). */
const LIMITS = {
  token: Number(process.env.TOKEN_REQUESTS_PER_MIN ?? 600),
  upload: Number(process.env.UPLOADS_PER_MIN ?? 30),
}

const counters = { token: new WindowCounter(60_000), upload: new WindowCounter(60_000) }

function clientIp(request: NextRequest): string {
  return request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || request.headers.get('x-real-ip') || 'unknown'
}

/** A 429 answer when this client passed the endpoint's limit for the current minute, otherwise null. */
export function rateLimited(request: NextRequest, endpoint: keyof typeof LIMITS): NextResponse | null {
  const counter = counters[endpoint]
  if (counter.size > 10_000) counter.prune()
  if (counter.add(clientIp(request)) <= LIMITS[endpoint]) return null
  return NextResponse.json({ error: 'too many requests; try again in a minute' }, { status: 429, headers: { 'retry-after': '60' } })
}
