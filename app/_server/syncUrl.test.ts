import { NextRequest } from 'next/server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** A page request as a phone on the LAN sends it (README, "Use it on your LAN"). */
const lanPage = () => new NextRequest('http://192.168.1.20:3000/b/abc', { headers: { host: '192.168.1.20:3000' } })

// appConfig() keeps what it parsed first: each case imports the modules afresh under its environment.
async function load() {
  vi.resetModules()
  const [{ publicSyncUrl }, { proxy }] = await Promise.all([import('./syncUrl.ts'), import('../../proxy.ts')])
  return { publicSyncUrl, proxy }
}

function connectSrc(policy: string | null): string[] {
  const directive = (policy ?? '').split(';').map((part) => part.trim().split(/\s+/)).find(([name]) => name === 'connect-src')
  return directive?.slice(1) ?? []
}

describe('a page opened at a LAN address', () => {
  beforeEach(() => {
    vi.stubEnv('AUTH_SECRET', 'sync-url-test-secret-'.padEnd(32, '0'))
    vi.stubEnv('NODE_ENV', 'production')
  })
  afterEach(() => vi.unstubAllEnvs())

  it("reaches the sync server on the page's own host at SYNC_PORT, and its policy lets it connect there only", async () => {
    const { publicSyncUrl, proxy } = await load()
    expect(publicSyncUrl(lanPage())).toBe('ws://192.168.1.20:1234')
    expect(connectSrc(proxy(lanPage()).headers.get('content-security-policy'))).toEqual(["'self'", 'data:', 'blob:', 'ws://192.168.1.20:1234'])
  })

  it('SYNC_PUBLIC_URL, when set, is the URL and the only socket origin allowed', async () => {
    vi.stubEnv('SYNC_PUBLIC_URL', 'ws://192.168.1.30:4000')
    const { publicSyncUrl, proxy } = await load()
    expect(publicSyncUrl(lanPage())).toBe('ws://192.168.1.30:4000')
    expect(connectSrc(proxy(lanPage()).headers.get('content-security-policy'))).toEqual(["'self'", 'data:', 'blob:', 'ws://192.168.1.30:4000'])
  })
})
