import type { MetadataRoute } from 'next'

/** The web app manifest (/manifest.webmanifest): with the service worker, it makes the app installable. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: 'Whiteboard',
    short_name: 'Whiteboard',
    description: 'Draw together in real time',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    theme_color: '#2f80ed',
    background_color: '#ffffff',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    ],
  }
}
