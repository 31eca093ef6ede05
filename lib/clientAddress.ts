/**
 * Which client a request comes from, for per-IP limits (sync server and app). Pure string code,
 * no Node modules, so both sides (and any runtime) can import it.
 *
 * Behind `trustedProxyHops` reverse proxies, each proxy appends the address it received the
 * request from to `X-Forwarded-For`; everything to the left of what they added is whatever the
 * client sent and can be forged. So the client is the N-th address from the right.
 */

/** The address to attribute a request to; `unknown` when nothing usable is known. */
export function clientAddress(
  socketAddress: string | undefined,
  headers: { forwardedFor?: string | null; realIp?: string | null },
  trustedProxyHops: number,
): string {
  const peer = normalizeAddress(socketAddress) ?? 'unknown'
  if (trustedProxyHops <= 0) return peer
  const forwarded = (headers.forwardedFor ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  if (forwarded.length >= trustedProxyHops) {
    return normalizeAddress(forwarded[forwarded.length - trustedProxyHops]) ?? peer
  }
  // Fewer entries than trusted hops: the proxies did not all add one. X-Real-IP is set by a proxy
  // (nginx: `$remote_addr`) and overwritten, never appended, so it cannot carry a forged prefix.
  const realIp = normalizeAddress(headers.realIp ?? undefined)
  if (realIp) return realIp
  // Every entry present was added by a trusted proxy (there are fewer than the trusted count):
  // the left-most one is the furthest address they saw.
  return normalizeAddress(forwarded[0]) ?? peer
}

/** The key per-IP limits count under: an IPv6 address's /64 prefix (one subscriber), others as is. */
export function rateLimitKey(address: string): string {
  const groups = parseIPv6(address)
  if (!groups) return address
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/**
 * A valid IPv4 or IPv6 address in a comparable form (IPv4-mapped IPv6 as IPv4, IPv6 lower-case
 * without a zone), or null. Tolerates a port (`1.2.3.4:5678`, `[::1]:5678`) as some proxies add one.
 */
function normalizeAddress(raw: string | undefined): string | null {
  if (!raw) return null
  let address = raw.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address)
  if (bracketed) address = bracketed[1]
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'))
  if (IPV4.test(address)) return address
  const groups = parseIPv6(address)
  if (!groups) return null
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff
  if (mapped) return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.')
  return address.toLowerCase().replace(/%.*$/, '')
}

/** The eight 16-bit groups of an IPv6 address (`::` compression, dotted IPv4 tail, zone id allowed), or null. */
function parseIPv6(raw: string): number[] | null {
  const address = raw.replace(/%.*$/, '')
  if (!address.includes(':') || address.length > 45) return null
  const halves = address.split('::')
  if (halves.length > 2) return null
  const parse = (part: string, dottedTail: boolean): number[] | null => {
    if (part === '') return []
    const groups: number[] = []
    const pieces = part.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]
      if (dottedTail && i === pieces.length - 1 && IPV4.test(piece)) {
        const [a, b, c, d] = piece.split('.').map(Number)
        groups.push((a << 8) | b, (c << 8) | d)
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16))
      } else {
        return null
      }
    }
    return groups
  }
  const head = parse(halves[0], halves.length === 1)
  const tail = halves.length === 2 ? parse(halves[1], true) : []
  if (!head || !tail) return null
  if (halves.length === 1) return head.length === 8 ? head : null
  const missing = 8 - head.length - tail.length
  if (missing < 1) return null
  return [...head, ...new Array<number>(missing).fill(0), ...tail]
}
