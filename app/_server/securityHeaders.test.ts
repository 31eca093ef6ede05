import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NextRequest } from 'next/server'
import { proxy } from '../../proxy.ts'

function pageAnswer() {
  return proxy(new NextRequest('http://board.example:3000/b/abc', { headers: { host: 'board.example:3000' } }))
}

/** The directives of a policy, by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))
}

describe('security headers', () => {
  beforeEach(() => vi.stubEnv('AUTH_SECRET', 'security-headers-test-secret-'.padEnd(32, '0')))
  afterEach(() => vi.unstubAllEnvs())

  it('lets pages reach only the app and its sync server, and refuses framing', () => {
    const response = pageAnswer()
    const policy = response.headers.get('content-security-policy') ?? ''
    expect(policy).toMatch(/connect-src 'self' data: blob: ws:\/\/board\.example:1234/)
    expect(policy).toContain("frame-ancestors 'none'")
    expect(policy).toContain("object-src 'none'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
  })

  it('runs only scripts carrying a fresh per-request nonce (no inline scripts), and hands that policy to Next', () => {
    vi.stubEnv('NODE_ENV', 'production')
    const first = pageAnswer()
    const policy = first.headers.get('content-security-policy') ?? ''
    const scripts = directives(policy).get('script-src') ?? []
    const nonces = scripts.filter((source) => /^'nonce-[A-Za-z0-9+/]{22}==?'$/.test(source))
    expect(nonces).toHaveLength(1)
    expect(scripts).toContain("'strict-dynamic'")
    expect(scripts).not.toContain("'unsafe-inline'")
    expect(scripts).not.toContain("'unsafe-eval'")
    // Next reads the nonce from the request's policy to put it on its own scripts.
    expect(first.headers.get('x-middleware-request-content-security-policy')).toBe(policy)
    const second = directives(pageAnswer().headers.get('content-security-policy') ?? '').get('script-src') ?? []
    expect(second).not.toContain(nonces[0])
  })
})
