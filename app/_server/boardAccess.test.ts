import { NextRequest } from 'next/server'
import { describe, expect, it } from 'vitest'
import { crossSiteRefusal } from './boardAccess.ts'

/** A state-changing request to the app served at a LAN address (README, "Use it on your LAN"), from a page at `origin`. */
const post = (origin: string) =>
  new NextRequest('http://192.168.1.20:3000/api/token', { method: 'POST', headers: { host: '192.168.1.20:3000', origin } })

describe('crossSiteRefusal for an app served at a LAN address', () => {
  it("lets the app's own pages at that address through", () => {
    expect(crossSiteRefusal(post('http://192.168.1.20:3000'))).toBeNull()
  })

  it('refuses pages of other LAN hosts, ports or schemes with 403', async () => {
    for (const origin of ['http://192.168.1.21:3000', 'http://192.168.1.20:3001', 'http://localhost:3000', 'null']) {
      const answer = crossSiteRefusal(post(origin))
      expect(answer?.status, origin).toBe(403)
      expect(await answer?.json()).toEqual({ error: 'cross-site request refused' })
    }
  })
})
