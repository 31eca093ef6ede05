'use client'

import { usePathname } from 'next/navigation'
import { useEffect, useState } from 'react'
import { keepPageForOffline } from '@/lib/client/offlineShell.ts'

const enabled = process.env.NODE_ENV === 'production'

/**
 * Registers the service worker (public/sw.js, production builds only) and keeps each visited page
 * for offline use. When a new worker takes over a page an older one controlled (a new deployment),
 * says so. Under `npm run dev` it removes any worker a production run left on this origin, so
 * development never serves stale caches. See docs/offline.md.
 */
export default function ServiceWorker() {
  const pathname = usePathname()
  const [updated, setUpdated] = useState(false)

  useEffect(() => {
    if (!('serviceWorker' in navigator)) return
    const container = navigator.serviceWorker
    if (!enabled) {
      void container.getRegistrations().then((registrations) => registrations.forEach((registration) => void registration.unregister()))
      return
    }
    let controlled = container.controller !== null
    const onControllerChange = () => {
      // The first worker claiming a page is not an update; a worker replacing another one is.
      if (controlled) setUpdated(true)
      controlled = true
    }
    container.addEventListener('controllerchange', onControllerChange)
    container.register('/sw.js', { scope: '/', updateViaCache: 'none' }).catch((error: unknown) => {
      console.warn('service worker registration failed; the app will not open offline', error)
    })
    return () => container.removeEventListener('controllerchange', onControllerChange)
  }, [])

  useEffect(() => {
    if (enabled) void keepPageForOffline(location.href)
  }, [pathname])

  if (!updated) return null
  return (
    <div className="update-notice" role="status" data-testid="update-notice">
      <span>Whiteboard was updated.</span>
      <button type="button" className="button" onClick={() => location.reload()}>
        Reload
      </button>
      <button type="button" className="button secondary" aria-label="Dismiss" onClick={() => setUpdated(false)}>
        ×
      </button>
    </div>
  )
}
