import { NextResponse, type NextRequest } from 'next/server'
import { publicSyncUrl } from './app/_server/syncUrl.ts'

/**
 * Security headers on every page and API answer: a Content-Security-Policy that lets the page
 * talk only to the app itself and its sync server, runs only scripts carrying this request's
 * nonce (and what they load), refuses framing, and the usual hardening. Next reads the nonce from
 * the policy on the request and puts it on its own scripts; pages are rendered per request
 * (app/layout.tsx) so that every answer has a fresh one.
 */
export function proxy(request: NextRequest) {
  const sync = new URL(publicSyncUrl(request))
  const syncOrigin = `${sync.protocol}//${sync.host}`
  const development = process.env.NODE_ENV !== 'production'
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
  const policy = [
    "default-src 'self'",
    // 'strict-dynamic' lets the nonced scripts load Next's chunks; development adds eval for fast refresh.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "worker-src 'self' blob:",
    `connect-src 'self' data: blob: ${syncOrigin}${development ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
  const requestHeaders = new Headers(request.headers)
  requestHeaders.set('content-security-policy', policy)
  const response = NextResponse.next({ request: { headers: requestHeaders } })
  response.headers.set('content-security-policy', policy)
  response.headers.set('x-content-type-options', 'nosniff')
  response.headers.set('referrer-policy', 'same-origin')
  response.headers.set('x-frame-options', 'DENY')
  response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()')
  return response
}

export const config = {
  // Static files and tldraw's self-hosted assets need no policy. Uploaded images (/api/assets/<id>)
  // carry their own stricter one, and uploads (/api/assets) must reach their route whole: a proxy
  // run makes Next buffer the body and pass on only its first 10 MiB.
  matcher: ['/((?!_next/static|_next/image|tldraw/|api/assets).*)'],
}
