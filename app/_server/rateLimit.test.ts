import { describe, expect, it } from 'vitest'
import { NextRequest } from 'next/server'
import { rateLimited } from './rateLimit.ts'

function request(ip: string): NextRequest {
  return new NextRequest('http://localhost:3000/api/assets', { method: 'POST', headers: { 'x-forwarded-for': ip } })
}

describe('route handler rate limits', () => {
  it('answers 429 past the per-minute limit of one client, leaving other clients alone', async () => {
    for (let i = 0; i < 30; i++) expect(rateLimited(request('10.0.0.1'), 'upload')).toBeNull()
    const refused = rateLimited(request('10.0.0.1'), 'upload')
    expect(refused?.status).toBe(429)
    expect(refused?.headers.get('retry-after')).toBe('60')
    expect(await refused?.json()).toEqual({ error: 'too many requests; try again in a minute' })
    expect(rateLimited(request('10.0.0.2'), 'upload')).toBeNull()
  })
})
