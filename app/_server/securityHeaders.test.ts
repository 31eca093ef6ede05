import { describe, expect, it } from 'vitest'
import { NextRequest } from 'next/server'
import { proxy } from '../../proxy.ts'

describe('security headers', () => {
  it('lets pages reach only the app and its sync server, and refuses framing', () => {
    const response = proxy(new NextRequest('http://board.example:3000/b/abc', { headers: { host: 'board.example:3000' } }))
    const policy = response.headers.get('content-security-policy') ?? ''
    expect(policy).toMatch(/connect-src 'self' data: blob: ws:\/\/board\.example:1234/)
    expect(policy).toContain("frame-ancestors 'none'")
    expect(policy).toContain("object-src 'none'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
  })
})
