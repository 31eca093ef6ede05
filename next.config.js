import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * tldraw loads fonts, icons and translations from its CDN unless told otherwise; this app serves
 * them itself from /tldraw (public/tldraw, gitignored), copied from @tldraw/assets whenever
 * Next starts (dev, build or start) and the installed version changed.
 */
function copyTldrawAssets() {
  const source = path.join(import.meta.dirname, 'node_modules/@tldraw/assets')
  const target = path.join(import.meta.dirname, 'public/tldraw')
  const version = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')).version
  const stamp = path.join(target, '.version')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) return
  for (const folder of ['fonts', 'icons', 'translations', 'embed-icons']) {
    cpSync(path.join(source, folder), path.join(target, folder), { recursive: true })
  }
  writeFileSync(stamp, version)
}

copyTldrawAssets()

/**
 * `next dev` serves its scripts and reload socket only to pages on localhost or on the host it
 * listens on; a page opened at a LAN address needs that host in `allowedDevOrigins`. The host names
 * of ALLOWED_ORIGINS (the sync server's list, which such a page needs anyway) are allowed too.
 * A bad entry is reported by the config check at start (lib/config.ts), not here.
 */
function devOriginHosts() {
  return (process.env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((origin) => URL.parse(origin.trim())?.hostname)
    .filter((host) => typeof host === 'string' && host !== '')
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  // `npm run typecheck` checks the whole project (app, server and tests) once; the build need not repeat it.
  typescript: { ignoreBuildErrors: true, tsconfigPath: 'tsconfig.next.json' },
  serverExternalPackages: ['better-sqlite3', '@prisma/adapter-better-sqlite3'],
  allowedDevOrigins: devOriginHosts(),
}

export default nextConfig
