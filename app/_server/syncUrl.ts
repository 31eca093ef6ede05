import { appConfig } from './config.ts'

/**
 * The sync server's URL as the browser should use it: SYNC_PUBLIC_URL when set, otherwise the
 * page's own host name on SYNC_PORT (default 1234), wss: when the page came over https.
 */
export function publicSyncUrl(request: Request): string {
  const { syncPublicUrl, syncPort } = appConfig()
  if (syncPublicUrl) return syncPublicUrl
  const pageUrl = new URL(request.url)
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? pageUrl.host
  const hostname = new URL(`http://${host}`).hostname
  const forwardedProto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim()
  const secure = (forwardedProto ?? pageUrl.protocol.replace(':', '')) === 'https'
  return `${secure ? 'wss' : 'ws'}://${hostname}:${syncPort}`
}
