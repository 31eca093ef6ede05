import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { localCopyName, linkOfBoardPath } from '../../lib/client/localCopy.ts'
import { createBoard, newGuest, openBoard, waitForLiveBoard, waitForSaved } from '../support/board.ts'
import { waitForLocalCopy } from '../support/offline.ts'
import { countSocketBytes, median, openingSteps, recordFirstShape } from '../support/opening.ts'

/**
 * Opening a big board a second time, with the board's copy in this browser and without it (the
 * same browser, its HTTP cache and service worker warm, the copy deleted before each "without").
 * Times go to test-results/second-open.json and the console: they are reported, never asserted.
 * What is asserted: the board is whole either way, and with the copy the socket brings only what
 * changed instead of the whole board.
 */

const SHAPES = Number(process.env.SECOND_OPEN_SHAPES ?? 2_000)
const ROUNDS = 3

interface OpenMeasurement {
  /** From navigation start to the first shape element in the DOM. */
  firstShapeMs: number
  /** From navigation start to the socket being live and the store holding every shape. */
  completeMs: number
  /** Bytes the page received over the sync socket until then. */
  socketBytes: number
  /** The opening's steps (performance marks `board:*` from lib/client/boardSession.ts and Board.tsx), ms from navigation start. */
  steps: Record<string, number>
}

/** Networks the opens are measured on: loopback as is, and one with a slow link emulated by Chromium (HTTP and the socket). */
const NETWORKS = [
  { name: 'loopback', conditions: null },
  { name: 'slow network (200 ms RTT, 4 Mbit/s down, 1 Mbit/s up)', conditions: { latency: 200, downloadThroughput: 500_000, uploadThroughput: 125_000 } },
] as const

async function measureOpen(page: Page, boardPath: string): Promise<OpenMeasurement> {
  const socketBytes = countSocketBytes(page)
  await page.goto(boardPath)
  const firstShape = await page.waitForFunction(() => (window as unknown as { firstShapeAt?: number }).firstShapeAt, null, { timeout: 60_000 })
  const firstShapeMs = Math.round((await firstShape.jsonValue()) as number)
  await waitForLiveBoard(page)
  await page.waitForFunction((count) => window.editor!.getCurrentPageShapeIds().size === count, SHAPES, { timeout: 60_000 })
  const completeMs = Math.round(await page.evaluate(() => performance.now()))
  const steps = await openingSteps(page)
  return { firstShapeMs, completeMs, socketBytes: socketBytes(), steps }
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
  await recordFirstShape(context)
  const page = await context.newPage()
  const cold = await measureOpen(page, editPath)
  await waitForLocalCopy(page, editPath)

  const name = localCopyName(linkOfBoardPath(editPath)!)
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  const results = []
  for (const network of NETWORKS) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...(network.conditions ?? { latency: 0, downloadThroughput: -1, uploadThroughput: -1 }) })
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
    const summarize = (runs: OpenMeasurement[]) => ({
      firstShapeMs: median(runs.map((m) => m.firstShapeMs)),
      completeMs: median(runs.map((m) => m.completeMs)),
      steps: Object.fromEntries(Object.keys(runs[0]!.steps).map((step) => [step, median(runs.map((m) => m.steps[step] ?? Number.NaN))])),
      runs,
    })
    results.push({ network: network.name, withCopy: summarize(withCopy), withoutCopy: summarize(withoutCopy) })
  }
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

  const summary = { shapes: SHAPES, rounds: ROUNDS, cold, results }
  const outputDir = path.join('test-results')
  mkdirSync(outputDir, { recursive: true })
  writeFileSync(path.join(outputDir, 'second-open.json'), JSON.stringify(summary, null, 2))
  for (const { network, withCopy, withoutCopy } of results) {
    console.warn(
      `second open of ${SHAPES} shapes, ${network}: first shape ${withCopy.firstShapeMs} ms with the copy, ${withoutCopy.firstShapeMs} ms without; ` +
        `complete ${withCopy.completeMs} / ${withoutCopy.completeMs} ms; steps with ${JSON.stringify(withCopy.steps)}, without ${JSON.stringify(withoutCopy.steps)}; ` +
        `socket bytes ${withCopy.runs.map((m) => m.socketBytes).join('/')} with, ${withoutCopy.runs.map((m) => m.socketBytes).join('/')} without`,
    )
  }
  console.warn(`cold open (new browser profile): first shape ${cold.firstShapeMs} ms, steps ${JSON.stringify(cold.steps)}`)

  // With the copy the server sends what changed (nothing), not the whole board again.
  for (const { withCopy, withoutCopy } of results) {
    for (const [i, run] of withCopy.runs.entries()) expect(run.socketBytes).toBeLessThan(withoutCopy.runs[i]!.socketBytes / 10)
  }
  await context.close()
})
