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

/** @type {import('next').NextConfig} */
const nextConfig = {
  // `npm run typecheck` checks the whole project (app, server and tests) once; the build need not repeat it.
  typescript: { ignoreBuildErrors: true, tsconfigPath: 'tsconfig.next.json' },
  serverExternalPackages: ['better-sqlite3', '@prisma/adapter-better-sqlite3'],
}

export default nextConfig
