import type { BrowserContext, Page, WebSocket } from '@playwright/test'

/** A 2×2 PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR42mP8z8DwnwEIGBkYGBgYAAAkBgIBmh6MVAAAAABJRU5ErkJggg=='

/** Drops a PNG file (base64) on the canvas at a point, as a file dragged from the desktop would arrive. */
export async function dropPng(page: Page, base64: string, point: { x: number; y: number }): Promise<void> {
  await page.evaluate(
    ({ base64, point }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const transfer = new DataTransfer()
      transfer.items.add(new File([bytes], 'dot.png', { type: 'image/png' }))
      const canvas = document.querySelector('.tl-canvas')!
      for (const type of ['dragenter', 'dragover', 'drop']) {
        canvas.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, clientX: point.x, clientY: point.y, bubbles: true, cancelable: true }))
      }
    },
    { base64, point },
  )
}

/** Counts the bytes the page receives over its sockets from now on; the returned function stops and gives the total. */
export function countSocketBytes(page: Page): () => number {
  let bytes = 0
  const onSocket = (socket: WebSocket) => {
    socket.on('framereceived', ({ payload }) => {
      bytes += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
    })
  }
  page.on('websocket', onSocket)
  return () => {
    page.off('websocket', onSocket)
    return bytes
  }
}

/** The opening's steps: the first performance mark `board:<step>` of each step, ms from navigation start. */
export function openingSteps(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const firsts: Record<string, number> = {}
    for (const entry of performance.getEntriesByType('mark')) {
      if (entry.name.startsWith('board:') && !(entry.name in firsts)) firsts[entry.name.slice(6)] = Math.round(entry.startTime)
    }
    return firsts
  })
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Pages of this context note when the first shape element appears (`window.firstShapeAt`, ms from navigation start). */
export async function recordFirstShape(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const observer = new MutationObserver(() => {
      if (!document.querySelector('[data-shape-id]')) return
      ;(window as unknown as { firstShapeAt?: number }).firstShapeAt = performance.now()
      observer.disconnect()
    })
    observer.observe(document, { childList: true, subtree: true })
  })
}
