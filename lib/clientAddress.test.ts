import { describe, expect, it } from 'vitest'
import { clientAddress, rateLimitKey } from './clientAddress.ts'

describe('clientAddress', () => {
  it('uses the TCP peer only when no proxy is trusted, whatever the headers say', () => {
    expect(clientAddress('203.0.113.7', { forwardedFor: '1.1.1.1', realIp: '2.2.2.2' }, 0)).toBe('203.0.113.7')
    expect(clientAddress(undefined, {}, 0)).toBe('unknown')
  })

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(clientAddress('::ffff:198.51.100.4', {}, 0)).toBe('198.51.100.4')
    expect(clientAddress('::FFFF:c633:6404', {}, 0)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: '::ffff:198.51.100.4' }, 1)).toBe('198.51.100.4')
  })

  it('takes the N-th address from the right of X-Forwarded-For behind N trusted proxies', () => {
    // The client forged the first entry; nginx appended the real one.
    expect(clientAddress('10.0.0.1', { forwardedFor: '6.6.6.6, 198.51.100.4' }, 1)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: '6.6.6.6,198.51.100.4, 10.0.0.9' }, 2)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: '198.51.100.4', realIp: '6.6.6.6' }, 1)).toBe('198.51.100.4')
  })

  it('falls back to X-Real-IP, then the furthest forwarded address, then the peer', () => {
    expect(clientAddress('10.0.0.1', { realIp: '198.51.100.4' }, 1)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: '', realIp: ' 198.51.100.4 ' }, 1)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: '198.51.100.4' }, 2)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: null, realIp: null }, 1)).toBe('10.0.0.1')
  })

  it('ignores a trusted entry that is not an address, strips ports, brackets and zones', () => {
    expect(clientAddress('10.0.0.1', { forwardedFor: 'unknown' }, 1)).toBe('10.0.0.1')
    expect(clientAddress('10.0.0.1', { forwardedFor: '198.51.100.4:5678' }, 1)).toBe('198.51.100.4')
    expect(clientAddress('10.0.0.1', { forwardedFor: '[2001:DB8::1]:443' }, 1)).toBe('2001:db8::1')
    expect(clientAddress('fe80::1%eth0', {}, 0)).toBe('fe80::1')
    expect(clientAddress('10.0.0.1', { forwardedFor: '999.1.1.1' }, 1)).toBe('10.0.0.1')
  })
})

describe('rateLimitKey', () => {
  it('keys IPv6 on its /64 so one subscriber cannot rotate through its prefix', () => {
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64')
    expect(rateLimitKey('2001:db8::')).toBe('2001:db8:0:0::/64')
    expect(rateLimitKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64')
  })

  it('leaves IPv4 and non-addresses unchanged', () => {
    expect(rateLimitKey('198.51.100.4')).toBe('198.51.100.4')
    expect(rateLimitKey('unknown')).toBe('unknown')
    expect(rateLimitKey('1:2:3')).toBe('1:2:3')
    expect(rateLimitKey('1::2::3')).toBe('1::2::3')
  })
})
