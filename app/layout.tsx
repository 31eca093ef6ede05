import type { Metadata, Viewport } from 'next'
import { connection } from 'next/server'
import type { ReactNode } from 'react'
import ServiceWorker from '@/components/ServiceWorker.tsx'
import './globals.css'

export const metadata: Metadata = {
  title: 'Whiteboard',
  description: 'Draw together in real time',
}

export const viewport: Viewport = { themeColor: '#2f80ed' }

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request: its scripts carry the nonce of that request's CSP (proxy.ts).
  await connection()
  return (
    <html lang="en">
      <body>
        {children}
        <ServiceWorker />
      </body>
    </html>
  )
}
