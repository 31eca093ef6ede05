import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test, type Browser, type Page } from '@playwright/test'
import { createBoard, newGuest, openBoard, waitForLiveBoard, waitForSaved } from '../support/board.ts'
import { waitForLocalCopy } from '../support/offline.ts'
import { PNG_BASE64, countSocketBytes, dropPng, median, openingSteps, recordFirstShape } from '../support/opening.ts'

/**
 * Opening a board as a new person would (issue 18, part 3): a fresh browser context (no HTTP cache,
 * no service worker, no copy of the board), production build, on loopback; then the same person
 * opening it again (the worker's cached app and the board's copy in IndexedDB). Boards of 12
 * shapes, 2,000 geo shapes and 10,000 mixed shapes (geo, text with rich text, draw strokes,
 * arrows, one image). On the 10,000-shape board, also the frame rate while one browser drags 50
 * shapes with two others watching; on the 2,000-shape board, the time a select-all nudge takes to
 * reach another browser. Figures go to test-results/opening.json and the console; nothing here
 * asserts a time. OPENING_SIZES=12,2000 limits the boards; OPENING_ROUNDS the opens per board;
 * OPENING_PROFILE=1 records a CPU profile of each board's first cold open
 * (test-results/opening-<shapes>.cpuprofile; `npx tsx bench/profile-summary.ts <file>` reads it).
 */

const SIZES = (process.env.OPENING_SIZES ?? '12,2000,10000').split(',').map(Number)
const ROUNDS = Number(process.env.OPENING_ROUNDS ?? 3)

interface Open {
  /** Navigation start → the first `[data-shape-id]` element in the DOM. */
  firstShapeMs: number
  /** Navigation start → the editor mounted, the socket live and the store holding every shape. */
  interactiveMs: number
  /** When the token request started and ended (resource timing), ms from navigation start. */
  tokenStartMs: number | null
  tokenEndMs: number | null
  /** The opening's steps (performance marks `board:*`), ms from navigation start. */
  steps: Record<string, number>
  /** Bytes received over the sync socket until interactive. */
  socketBytes: number
  /** JS heap in use once interactive (Chromium's Performance.getMetrics), MB. */
  heapMb: number
}

async function measureOpen(page: Page, boardPath: string, shapes: number, profileTo?: string): Promise<Open> {
  // The profiler follows one renderer: be on the app's origin first (an image, so no script is cached).
  if (profileTo) await page.goto('/icon.svg')
  const profiler = profileTo ? await page.context().newCDPSession(page) : null
  if (profiler) {
    await profiler.send('Profiler.enable')
    await profiler.send('Profiler.setSamplingInterval', { interval: 200 })
    await profiler.send('Profiler.start')
  }
  const socketBytes = countSocketBytes(page)
  await page.goto(boardPath)
  const firstShape = await page.waitForFunction(() => (window as unknown as { firstShapeAt?: number }).firstShapeAt, null, { timeout: 120_000 })
  const firstShapeMs = Math.round((await firstShape.jsonValue()) as number)
  await waitForLiveBoard(page)
  await page.waitForFunction((count) => window.editor!.getCurrentPageShapeIds().size === count, shapes, { timeout: 120_000 })
  const interactiveMs = Math.round(await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now())))))
  const received = socketBytes()
  if (profiler && profileTo) {
    const { profile } = (await profiler.send('Profiler.stop')) as { profile: unknown }
    writeFileSync(profileTo, JSON.stringify(profile))
    await profiler.detach()
  }
  const steps = await openingSteps(page)
  const token = await page.evaluate(() => {
    const token = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((entry) => entry.name.endsWith('/api/token'))
    return { tokenStartMs: token ? Math.round(token.startTime) : null, tokenEndMs: token ? Math.round(token.responseEnd) : null }
  })
  const cdp = await page.context().newCDPSession(page)
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
  await cdp.detach()
  const heap = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? Number.NaN
  return { firstShapeMs, interactiveMs, steps, socketBytes: received, heapMb: Math.round(heap / 1e5) / 10, ...token }
}

/** Fills the board from one browser: geo shapes, or the mixed set (geo, rich text, draw strokes, arrows, one image). */
async function fillBoard(writer: Page, shapes: number, mixed: boolean): Promise<void> {
  let stroke: unknown = null
  let imageShapes = 0
  if (mixed) {
    // One real stroke drawn with the draw tool: its record is the template of every draw shape.
    await writer.keyboard.press('d')
    await writer.mouse.move(200, 300)
    await writer.mouse.down()
    for (let step = 1; step <= 12; step++) await writer.mouse.move(200 + step * 12, 300 + Math.sin(step) * 25)
    await writer.mouse.up()
    await writer.keyboard.press('Escape')
    stroke = await writer.evaluate(() => {
      const editor = window.editor!
      const drawn = editor.getCurrentPageShapes().find((shape) => shape.type === 'draw')!
      editor.deleteShapes([drawn.id])
      return drawn.props
    })
    // One image, uploaded like a dropped file.
    await dropPng(writer, PNG_BASE64, { x: 300, y: 200 })
    await expect.poll(() => writer.evaluate(() => window.editor!.getCurrentPageShapes().filter((shape) => shape.type === 'image').length)).toBe(1)
    imageShapes = 1
  }
  await writer.evaluate(
    async ({ count, mixed, stroke }) => {
      const editor = window.editor!
      const parentId = editor.getCurrentPageId()
      const shapeType = editor.store.schema.types.shape
      const geo = { ...editor.getShapeUtil('geo').getDefaultProps(), w: 80, h: 60 }
      const text = editor.getShapeUtil('text').getDefaultProps()
      const arrow = editor.getShapeUtil('arrow').getDefaultProps()
      const richText = (words: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: words }] }] })
      const make = (i: number) => {
        const x = (i % 100) * 110
        const y = Math.floor(i / 100) * 90
        const base = { id: `shape:open-${i}`, parentId, index: 'a1', x, y }
        if (!mixed || i % 20 < 8) return shapeType.create({ ...base, type: 'geo', props: geo })
        if (i % 20 < 13) return shapeType.create({ ...base, type: 'text', props: { ...text, richText: richText(`Note ${i}: plan the next step`) } })
        if (i % 20 < 17) return shapeType.create({ ...base, type: 'draw', props: stroke })
        return shapeType.create({ ...base, type: 'arrow', props: { ...arrow, start: { x: 0, y: 0 }, end: { x: 70, y: 40 } } })
      }
      // In batches, a frame apart: each batch is one update to the server.
      for (let start = 0; start < count; start += 500) {
        editor.store.put(Array.from({ length: Math.min(500, count - start) }, (_, k) => make(start + k)) as never)
        await new Promise((resolve) => requestAnimationFrame(resolve))
      }
    },
    { count: shapes - imageShapes, mixed, stroke },
  )
  await waitForSaved(writer)
}

/** Frames per second in each page while `run` goes on (a requestAnimationFrame count). */
async function framesDuring(pages: Page[], run: () => Promise<void>): Promise<number[]> {
  await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const state = { frames: 0, running: true, start: performance.now(), end: 0 }
        ;(window as unknown as { frameCount: typeof state }).frameCount = state
        const tick = () => {
          if (!state.running) return
          state.frames++
          requestAnimationFrame(tick)
        }
        requestAnimationFrame(tick)
      }),
    ),
  )
  await run()
  return Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const state = (window as unknown as { frameCount: { frames: number; running: boolean; start: number } }).frameCount
        state.running = false
        return Math.round((state.frames / (performance.now() - state.start)) * 10_000) / 10
      }),
    ),
  )
}

/** One browser drags 50 shapes for about two seconds while two others watch; frame rates of all three. */
async function dragFrameRates(browser: Browser, boardPath: string): Promise<{ draggerFps: number; watcherFps: number[]; draggedSeenByWatchers: boolean }> {
  const dragger = await openBoard(browser, boardPath, 'Dragger')
  const watchers = [await openBoard(browser, boardPath, 'Watcher 1'), await openBoard(browser, boardPath, 'Watcher 2')]
  const ids = Array.from({ length: 50 }, (_, i) => `shape:open-${i * 20}`)
  const grab = await dragger.page.evaluate((selected) => {
    const editor = window.editor!
    editor.select(...(selected as never[]))
    editor.zoomToSelection({ animation: { duration: 0 } })
    const bounds = editor.getShapePageBounds(selected[0] as never)!
    return editor.pageToScreen(bounds.center)
  }, ids)
  const before = await watchers[0]!.page.evaluate((id) => window.editor!.getShape(id as never)!.x, ids[0])
  const fps = await framesDuring([dragger.page, ...watchers.map((watcher) => watcher.page)], async () => {
    await dragger.page.mouse.move(grab.x, grab.y)
    await dragger.page.mouse.down()
    for (let step = 1; step <= 120; step++) await dragger.page.mouse.move(grab.x + step * 2, grab.y + step)
    await dragger.page.mouse.up()
  })
  const after = await dragger.page.evaluate((id) => window.editor!.getShape(id as never)!.x, ids[0])
  await expect.poll(() => watchers[0]!.page.evaluate((id) => window.editor!.getShape(id as never)!.x, ids[0]), { timeout: 30_000 }).toBe(after)
  await Promise.all([dragger, ...watchers].map(({ context }) => context.close()))
  return { draggerFps: fps[0]!, watcherFps: fps.slice(1), draggedSeenByWatchers: after !== before }
}

/** A select-all nudge (Shift+→, 10 px) of every shape: time until another browser's store holds every moved shape. */
async function nudgeAll(browser: Browser, boardPath: string, shapes: number): Promise<number> {
  const a = await openBoard(browser, boardPath, 'Nudger')
  const b = await openBoard(browser, boardPath, 'Watcher')
  await b.page.evaluate(() => {
    ;(window as unknown as { movedXs: Record<string, number> }).movedXs = Object.fromEntries(window.editor!.getCurrentPageShapes().map((shape) => [shape.id, shape.x]))
  })
  await a.page.locator('.tl-canvas').click({ position: { x: 5, y: 5 } })
  await a.page.keyboard.press('Control+a')
  const startedAt = await a.page.evaluate(() => performance.timeOrigin + performance.now())
  await a.page.keyboard.press('Shift+ArrowRight')
  const seenAt = await b.page.waitForFunction(
    (count) => {
      const before = (window as unknown as { movedXs: Record<string, number> }).movedXs
      const moved = window.editor!.getCurrentPageShapes().filter((shape) => shape.x !== before[shape.id]).length
      return moved === count ? performance.timeOrigin + performance.now() : null
    },
    shapes,
    { timeout: 120_000, polling: 'raf' },
  )
  const ms = Math.round(((await seenAt.jsonValue()) as number) - startedAt)
  await Promise.all([a, b].map(({ context }) => context.close()))
  return ms
}

test(`opening boards of ${SIZES.join(', ')} shapes: cold and second open`, async ({ browser }) => {
  const results = []
  for (const shapes of SIZES) {
    const mixed = shapes >= 10_000
    const { editPath } = await createBoard(browser, `Board of ${shapes}`)
    const writer = await openBoard(browser, editPath, 'Writer')
    // A new board holds no shape; the first one the writer adds must count.
    await fillBoard(writer.page, shapes, mixed)
    await writer.context.close()

    const cold: Open[] = []
    const second: Open[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const context = await newGuest(browser, `Reader ${round}`)
      await recordFirstShape(context)
      const page = await context.newPage()
      const profileTo = process.env.OPENING_PROFILE && round === 0 ? path.join('test-results', `opening-${shapes}.cpuprofile`) : undefined
      if (profileTo) mkdirSync('test-results', { recursive: true })
      cold.push(await measureOpen(page, editPath, shapes, profileTo))
      await waitForLocalCopy(page, editPath)
      second.push(await measureOpen(page, editPath, shapes))
      await context.close()
    }
    const summarize = (opens: Open[]) => ({
      firstShapeMs: median(opens.map((open) => open.firstShapeMs)),
      interactiveMs: median(opens.map((open) => open.interactiveMs)),
      tokenStartMs: median(opens.map((open) => open.tokenStartMs ?? Number.NaN)),
      heapMb: median(opens.map((open) => open.heapMb)),
      socketBytes: median(opens.map((open) => open.socketBytes)),
      steps: Object.fromEntries(Object.keys(opens[0]!.steps).map((step) => [step, median(opens.map((open) => open.steps[step] ?? Number.NaN))])),
      opens,
    })
    const result: Record<string, unknown> = { shapes, mixed, cold: summarize(cold), second: summarize(second) }
    if (shapes === 2_000) result.nudgeAllMs = await nudgeAll(browser, editPath, shapes)
    if (mixed) result.drag = await dragFrameRates(browser, editPath)
    console.warn(
      `opening ${shapes} shapes${mixed ? ' (mixed)' : ''}: cold first shape ${(result.cold as { firstShapeMs: number }).firstShapeMs} ms, ` +
        `interactive ${(result.cold as { interactiveMs: number }).interactiveMs} ms; second open first shape ${(result.second as { firstShapeMs: number }).firstShapeMs} ms, ` +
        `interactive ${(result.second as { interactiveMs: number }).interactiveMs} ms; ${JSON.stringify({ coldSteps: (result.cold as { steps: unknown }).steps, nudgeAllMs: result.nudgeAllMs, drag: result.drag })}`,
    )
    results.push(result)
  }
  mkdirSync('test-results', { recursive: true })
  writeFileSync(path.join('test-results', 'opening.json'), `${JSON.stringify({ rounds: ROUNDS, results }, null, 2)}\n`)
  expect(results).toHaveLength(SIZES.length)
})
