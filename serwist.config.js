// @ts-check
import { readFileSync } from 'node:fs'
import { serwist } from '@serwist/next/config'

// The service worker (app/sw.ts → public/sw.js), built after `next build` by `serwist build`:
// `npm run build` and the browser suite run it. Nothing here runs under `npm run dev`.

const buildId = readFileSync('.next/BUILD_ID', 'utf8').trim()

export default await serwist({
  swSrc: 'app/sw.ts',
  swDest: 'public/sw.js',
  // Every page is rendered per request (app/layout.tsx): there is no prerendered HTML to precache.
  precachePrerendered: false,
  globPatterns: [
    '.next/static/**/*.{js,css,woff2,png,svg,ico,webp}',
    // What tldraw needs to draw its default UI in English: its fonts, its icon sprite, its English text.
    'public/tldraw/fonts/{Shantell_Sans-Informal_Regular,IBMPlexSans-Medium,IBMPlexSerif-Medium,IBMPlexMono-Medium}.woff2',
    'public/tldraw/icons/icon/0_merged.svg',
    'public/tldraw/translations/en.json',
    'public/icons/*.png',
  ],
  // The offline page is rendered per request too: precached by URL, refreshed with every build.
  additionalPrecacheEntries: [{ url: '/~offline', revision: buildId }],
})
