import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { createBoard, openBoard } from '../support/board.ts'

/** Shapes measured per run: 50 by default; SHAPE_LATENCY_COUNT=100 for the benchmark. */
const SHAPE_COUNT = Number(process.env.SHAPE_LATENCY_COUNT ?? 50)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

test(`time from a shape created in one browser to its render in the other (${SHAPE_COUNT} shapes)`, async ({ browser }) => {
  test.setTimeout(120_000)
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Sender')
  const b = await openBoard(browser, editPath, 'Receiver')

  // B records when each new shape reaches its store and the next frame has been painted.
  await b.page.evaluate(() => {
    const seen: Record<string, number> = {}
    ;(window as unknown as { shapeSeenAt: Record<string, number> }).shapeSeenAt = seen
    window.editor!.store.listen(
      ({ changes }) => {
        for (const record of Object.values(changes.added)) {
          if (record.typeName !== 'shape') continue
          requestAnimationFrame(() => {
            seen[record.id] = performance.timeOrigin + performance.now()
          })
        }
      },
      { source: 'remote', scope: 'document' },
    )
  })

  const latencies: number[] = []
  for (let i = 0; i < SHAPE_COUNT; i++) {
    const id = `shape:latency-${i}`
    const sentAt = await a.page.evaluate(
      ({ id, i }) => {
        const at = performance.timeOrigin + performance.now()
        window.editor!.createShape({ id: id as never, type: 'geo', x: (i % 10) * 90, y: Math.floor(i / 10) * 90, props: { w: 60, h: 60 } })
        return at
      },
      { id, i },
    )
    const handle = await b.page.waitForFunction(
      (shapeId) => (window as unknown as { shapeSeenAt: Record<string, number> }).shapeSeenAt[shapeId],
      id,
      { timeout: 10_000, polling: 'raf' },
    )
    latencies.push((await handle.jsonValue()) - sentAt)
  }

  // The production JavaScript the board page loaded (all script resources, as transferred and decoded).
  const boardPageJs = await b.page.evaluate(() => {
    const scripts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((entry) => entry.name.endsWith('.js'))
    return {
      files: scripts.length,
      encodedKB: Math.round(scripts.reduce((sum, entry) => sum + entry.encodedBodySize, 0) / 1024),
      decodedKB: Math.round(scripts.reduce((sum, entry) => sum + entry.decodedBodySize, 0) / 1024),
    }
  })

  const sorted = [...latencies].sort((x, y) => x - y)
  const result = {
    shapes: SHAPE_COUNT,
    medianMs: Math.round(percentile(sorted, 50) * 10) / 10,
    p95Ms: Math.round(percentile(sorted, 95) * 10) / 10,
    minMs: Math.round(sorted[0] * 10) / 10,
    maxMs: Math.round(sorted[sorted.length - 1] * 10) / 10,
    measuredAt: new Date().toISOString(),
    boardPageJs,
  }
  console.warn(`shape propagation: ${JSON.stringify(result)}`)
  mkdirSync('test-results', { recursive: true })
  writeFileSync(path.join('test-results', `shape-latency-${SHAPE_COUNT}.json`), `${JSON.stringify({ ...result, latenciesMs: latencies }, null, 2)}\n`)
  expect(latencies).toHaveLength(SHAPE_COUNT)

  await a.context.close()
  await b.context.close()
})
