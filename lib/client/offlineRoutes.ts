import { isValidRoomId } from '../protocol.ts'

/**
 * What the service worker (app/sw.ts) keeps for offline use, in one place shared with the page
 * (lib/client/offlineShell.ts), so both sides agree on cache names and on which URLs are kept.
 */
export const OFFLINE_CACHES = {
  /** HTML of `/`, `/b/<roomId>` and `/v/<viewId>` as last served (network-first). */
  pages: 'whiteboard-pages',
  /** Uploaded images (`GET /api/assets/<id>`), kept once shown: their content never changes. */
  images: 'whiteboard-images',
  /** tldraw's self-hosted files that are not precached (other languages, embed icons). */
  tldraw: 'whiteboard-tldraw',
  /** Next's hashed chunks that are not in this build's precache (e.g. an older build's page). */
  staticFiles: 'whiteboard-static',
} as const

/** The precached page served for a navigation that fails and has no cached copy. */
export const OFFLINE_PAGE_PATH = '/~offline'

/** Most pages and images kept; the oldest are dropped past these. */
export const MAX_CACHED_PAGES = 100
export const MAX_CACHED_IMAGES = 300

const BOARD_PAGE = /^\/(b|v)\/([^/]+)$/
const ASSET_IMAGE = /^\/api\/assets\/([^/]+)$/

/** `/b/<roomId>` or `/v/<viewId>` with a well-formed id. */
export function isBoardPagePath(pathname: string): boolean {
  const match = BOARD_PAGE.exec(pathname)
  return match !== null && isValidRoomId(match[2])
}

/** A page whose HTML is kept for offline use: the home page or a board page, without a query. */
export function isCacheablePageUrl(url: URL): boolean {
  return url.search === '' && (url.pathname === '/' || isBoardPagePath(url.pathname))
}

/** `GET /api/assets/<id>`: an uploaded image. */
export function isAssetImagePath(pathname: string): boolean {
  const match = ASSET_IMAGE.exec(pathname)
  return match !== null && isValidRoomId(match[1])
}

/**
 * Navigations the worker answers (network-first, offline page as the fallback). API routes and the
 * worker's own files are left to the browser: a navigation to them is never intercepted.
 */
export function isHandledNavigationPath(pathname: string): boolean {
  return !(pathname === '/api' || pathname.startsWith('/api/') || pathname.startsWith('/_next/') || pathname === '/sw.js')
}
