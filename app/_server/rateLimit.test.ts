import { AsyncLocalStorage } from 'node:async_hooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NextRequest } from 'next/server'
import { SOCKET_ADDRESS_STORE } from './socketAddress.ts'

// What app/_server/httpServer.mjs does for every request: the TCP peer address, held while Next handles it.
const peers = new AsyncLocalStorage<string | undefined>()
;(globalThis as Record<symbol, unknown>)[SOCKET_ADDRESS_STORE] = peers

const SECRET = 'rate-limit-test-secret-'.padEnd(32, '0')

/** A fresh copy of the limiter (its own counters and configuration), reading the environment given. */
async function limiter(env: Record<string, string> = {}) {
  vi.resetModules()
  for (const [name, value] of Object.entries({ AUTH_SECRET: SECRET, ...env })) vi.stubEnv(name, value)
  return import('./rateLimit.ts')
}

function upload(headers: Record<string, string> = {}): NextRequest {
  return new NextRequest('http://localhost:3000/api/assets', { method: 'POST', headers })
}

/** Status of one upload request from TCP peer `peer` (undefined: not behind app/_server/httpServer.mjs). */
function statusOf(rateLimited: (request: NextRequest, endpoint: 'upload' | 'version') => Response | null, peer: string | undefined, headers: Record<string, string> = {}): number {
  return peers.run(peer, () => rateLimited(upload(headers), 'upload'))?.status ?? 200
}

describe('route handler rate limits', () => {
  afterEach(() => vi.unstubAllEnvs())

  it('answers 429 past the per-minute limit of one client, leaving other clients alone', async () => {
    const { rateLimited } = await limiter()
    for (let i = 0; i < 30; i++) expect(statusOf(rateLimited, '203.0.113.1')).toBe(200)
    const refused = peers.run('203.0.113.1', () => rateLimited(upload(), 'upload'))
    expect(refused?.status).toBe(429)
    expect(refused?.headers.get('retry-after')).toBe('60')
    expect(await refused?.json()).toEqual({ error: 'too many requests; try again in a minute' })
    expect(statusOf(rateLimited, '203.0.113.2')).toBe(200)
  })

  it('limits saving and restoring versions by VERSIONS_PER_MIN, counted apart from uploads', async () => {
    const { rateLimited } = await limiter({ VERSIONS_PER_MIN: '2' })
    const versionStatus = () => peers.run('203.0.113.9', () => rateLimited(new NextRequest('http://localhost:3000/api/boards/b/versions', { method: 'POST' }), 'version'))?.status ?? 200
    expect([versionStatus(), versionStatus(), versionStatus()]).toEqual([200, 200, 429])
    expect(statusOf(rateLimited, '203.0.113.9')).toBe(200)
  })

  it('counts the TCP peer whatever X-Forwarded-For or X-Real-IP the client sends (TRUST_PROXY_HOPS=0)', async () => {
    const { rateLimited } = await limiter()
    const statuses = Array.from({ length: 31 }, (_, i) => statusOf(rateLimited, '203.0.113.1', { 'x-forwarded-for': `10.9.${i}.1`, 'x-real-ip': `10.8.${i}.1` }))
    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true)
    expect(statuses[30]).toBe(429)
  })

  it('behind TRUST_PROXY_HOPS=1 counts the address the proxy appended, not what the client wrote before it', async () => {
    const { rateLimited } = await limiter({ TRUST_PROXY_HOPS: '1' })
    const proxy = '10.0.0.2'
    const statuses = Array.from({ length: 31 }, (_, i) => statusOf(rateLimited, proxy, { 'x-forwarded-for': `6.6.${i}.6, 198.51.100.7` }))
    expect(statuses[29]).toBe(200)
    expect(statuses[30]).toBe(429)
    // Another client behind the same proxy is counted on its own.
    expect(statusOf(rateLimited, proxy, { 'x-forwarded-for': '198.51.100.8' })).toBe(200)
  })

  it('counts IPv6 clients per /64', async () => {
    const { rateLimited } = await limiter()
    for (let i = 0; i < 30; i++) expect(statusOf(rateLimited, `2001:db8:1:2::${(i + 1).toString(16)}`)).toBe(200)
    expect(statusOf(rateLimited, '2001:db8:1:2:ffff::1')).toBe(429)
    expect(statusOf(rateLimited, '2001:db8:1:3::1')).toBe(200)
  })

  it('without a known peer and no trusted proxy, never trusts X-Forwarded-For: all such requests count as one client', async () => {
    const { rateLimited } = await limiter()
    const statuses = Array.from({ length: 31 }, (_, i) => statusOf(rateLimited, undefined, { 'x-forwarded-for': `10.9.${i}.1` }))
    expect(statuses[30]).toBe(429)
  })

  it(`tracks at most MAX_TRACKED_CLIENTS clients a minute: newer ones share one overflow limit, tracked ones keep theirs`, async () => {
    const { rateLimited, MAX_TRACKED_CLIENTS } = await limiter()
    const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    for (let i = 0; i < MAX_TRACKED_CLIENTS; i++) statusOf(rateLimited, address(i))
    const fresh = Array.from({ length: 31 }, (_, i) => statusOf(rateLimited, address(MAX_TRACKED_CLIENTS + i)))
    expect(fresh.slice(0, 30).every((status) => status === 200)).toBe(true)
    expect(fresh[30]).toBe(429)
    expect(statusOf(rateLimited, address(0))).toBe(200)
  })

  it('refuses a bad TRUST_PROXY_HOPS, naming it', async () => {
    const { rateLimited } = await limiter({ TRUST_PROXY_HOPS: '-1' })
    expect(() => statusOf(rateLimited, '203.0.113.1')).toThrow(/TRUST_PROXY_HOPS: must be a whole number from 0 to 16 \(got "-1"\)/)
  })
})
