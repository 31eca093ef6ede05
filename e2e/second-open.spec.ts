import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { localCopyName, linkOfBoardPath } from '../lib/client/localCopy.ts'
import { createBoard, newGuest, openBoard, waitForLiveBoard, waitForSaved } from './support/board.ts'
import { waitForLocalCopy } from './support/offline.ts'

/**
 * Opening a big board a second time, with the board's copy in this browser and without it (the
 * same browser, its HTTP cache and service worker warm, the copy deleted before each "without").
 * Times go to test-results/second-open.json and the console: they are reported, never asserted.
 * What is asserted: the board is whole either way, and with the copy the socket brings only what
 * changed instead of the whole board.
 */

const SHAPES = Number(process.env.SECOND_OPEN_SHAPES ?? 2_000)
const ROUNDS = 3

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

interface OpenMeasurement {
  /** From navigation start to the first shape element in the DOM. */
  firstShapeMs: number
  /** From navigation start to the socket being live and the store holding every shape. */
  completeMs: number
  /** Bytes the page received over the sync socket until then. */
  socketBytes: number
}

async function measureOpen(page: Page, boardPath: string): Promise<OpenMeasurement> {
  let socketBytes = 0
  const onSocket = (socket: import('@playwright/test').WebSocket) => {
    socket.on('framereceived', ({ payload }) => {
      socketBytes += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
    })
  }
  page.on('websocket', onSocket)
  await page.goto(boardPath)
  const firstShape = await page.waitForFunction(() => (window as unknown as { firstShapeAt?: number }).firstShapeAt, null, { timeout: 60_000 })
  const firstShapeMs = Math.round((await firstShape.jsonValue()) as number)
  await waitForLiveBoard(page)
  await page.waitForFunction((count) => window.editor!.getCurrentPageShapeIds().size === count, SHAPES, { timeout: 60_000 })
  const completeMs = Math.round(await page.evaluate(() => performance.now()))
  page.off('websocket', onSocket)
  return { firstShapeMs, completeMs, socketBytes }
}

test(`second open of a ${SHAPES}-shape board, with and without the copy in this browser`, async ({ browser }) => {
  test.setTimeout(300_000)
  const { editPath } = await createBoard(browser, 'Big board')
  const writer = await openBoard(browser, editPath, 'Writer')
  await writer.page.evaluate((count) => {
    const editor = window.editor!
    for (let start = 0; start < count; start += 200) {
      editor.createShapes(
        Array.from({ length: Math.min(200, count - start) }, (_, k) => {
          const i = start + k
          return { id: `shape:big-${i}` as never, type: 'geo', x: (i % 50) * 70, y: Math.floor(i / 50) * 70, props: { w: 50, h: 50 } }
        }),
      )
    }
  }, SHAPES)
  await waitForSaved(writer.page)
  await writer.context.close()

  const context = await newGuest(browser, 'Reader')
  // The time the first shape element appears, from navigation start.
  await context.addInitScript(() => {
    const observer = new MutationObserver(() => {
      if (!document.querySelector('[data-shape-id]')) return
      ;(window as unknown as { firstShapeAt?: number }).firstShapeAt = performance.now()
      observer.disconnect()
    })
    observer.observe(document, { childList: true, subtree: true })
  })
  const page = await context.newPage()
  const cold = await measureOpen(page, editPath)
  await waitForLocalCopy(page, editPath)

  const name = localCopyName(linkOfBoardPath(editPath)!)
  const withCopy: OpenMeasurement[] = []
  const withoutCopy: OpenMeasurement[] = []
  for (let round = 0; round < ROUNDS; round++) {
    withCopy.push(await measureOpen(page, editPath))
    // Without: leave the board (closing its database), delete the copy, open again.
    await page.goto('/')
    await page.evaluate(
      (database) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase(database)
          request.onsuccess = () => resolve()
          request.onerror = () => reject(request.error)
          request.onblocked = () => reject(new Error('the copy is still open'))
        }),
      name,
    )
    withoutCopy.push(await measureOpen(page, editPath))
    await waitForLocalCopy(page, editPath)
  }

  const summary = {
    shapes: SHAPES,
    rounds: ROUNDS,
    cold,
    withCopy: { firstShapeMs: median(withCopy.map((m) => m.firstShapeMs)), completeMs: median(withCopy.map((m) => m.completeMs)), runs: withCopy },
    withoutCopy: {
      firstShapeMs: median(withoutCopy.map((m) => m.firstShapeMs)),
      completeMs: median(withoutCopy.map((m) => m.completeMs)),
      runs: withoutCopy,
    },
  }
  const outputDir = path.join('test-results')
  mkdirSync(outputDir, { recursive: true })
  writeFileSync(path.join(outputDir, 'second-open.json'), JSON.stringify(summary, null, 2))
  console.warn(
    `second open of ${SHAPES} shapes: first shape ${summary.withCopy.firstShapeMs} ms with the copy, ${summary.withoutCopy.firstShapeMs} ms without ` +
      `(cold ${cold.firstShapeMs} ms); socket bytes ${withCopy.map((m) => m.socketBytes).join('/')} with, ${withoutCopy.map((m) => m.socketBytes).join('/')} without`,
  )

  // With the copy the server sends what changed (nothing), not the whole board again.
  for (const [i, run] of withCopy.entries()) expect(run.socketBytes).toBeLessThan(withoutCopy[i]!.socketBytes / 10)
  await context.close()
})
