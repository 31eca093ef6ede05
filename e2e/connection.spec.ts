import { expect, test, type WebSocketRoute } from '@playwright/test'
import { createBoard, newGuest, openBoard, waitForLiveBoard } from './support/board.ts'
import { E2E } from './support/environment.ts'
import { startSyncServer, stopSyncServer } from './support/syncServer.ts'

// What the badge says when the connection goes (docs/offline.md, "What the badge says").

test('the badge says offline within 2 s of the network going, and live again when it is back', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const ann = await openBoard(browser, editPath, 'Ann')
  const badge = ann.page.getByTestId('connection-state')

  await ann.context.setOffline(true)
  await expect(badge).toHaveText('Offline — your changes are kept on this device', { timeout: 2_000 })
  await ann.context.setOffline(false)
  await expect(badge).toHaveAttribute('data-state', 'live')
  await expect(badge).toHaveText('Live')
  await ann.context.close()
})

test('a socket that falls silent (no close, no traffic) is given up within seconds and the board reconnects', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const context = await newGuest(browser, 'Ann')
  // Every socket to the sync server goes through this relay; `silence()` stops the open ones carrying anything, both ways.
  const relays: { frozen: boolean }[] = []
  await context.routeWebSocket(new RegExp(`:${E2E.syncPort}/`), (page: WebSocketRoute) => {
    const relay = { frozen: false }
    relays.push(relay)
    const server = page.connectToServer()
    page.onMessage((message) => !relay.frozen && server.send(message))
    server.onMessage((message) => !relay.frozen && page.send(message))
  })
  const page = await context.newPage()
  await page.goto(editPath)
  await waitForLiveBoard(page)
  const badge = page.getByTestId('connection-state')

  for (const relay of relays) relay.frozen = true
  const frozen = relays.length
  // The server pushes presence every 15 s and y-websocket's own watchdog waits 30 s: the probe (every 3 s, two unanswered) is what notices.
  await expect(badge).toHaveAttribute('data-state', 'reconnecting', { timeout: 12_000 })
  await expect(badge).toHaveAttribute('data-state', 'live')
  expect(relays.length).toBeGreaterThan(frozen)
  await context.close()
})

test("a sync server that does not answer for 10 s is named, with what to check and a link to the LAN help", async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const ann = await openBoard(browser, editPath, 'Ann')
  const badge = ann.page.getByTestId('connection-state')
  await stopSyncServer()
  try {
    await expect(badge).toHaveAttribute('data-state', 'reconnecting')
    await expect(badge).toHaveText(`Can't reach the sync server at ws://127.0.0.1:${E2E.syncPort}`, { timeout: 20_000 })
    const hint = ann.page.getByTestId('connection-hint')
    await expect(hint).toContainText('Is the sync server running? Opened from another device?')
    const [help] = await Promise.all([ann.context.waitForEvent('page'), hint.getByRole('link', { name: 'Use it on your LAN' }).click()])
    await expect(help.getByRole('heading', { name: 'Use it on your LAN' })).toBeVisible()
    await expect(help.getByText('ALLOWED_ORIGINS').first()).toBeVisible()
  } finally {
    await startSyncServer()
  }
  await expect(badge).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
  await expect(ann.page.getByTestId('connection-hint')).toHaveCount(0)
  await ann.context.close()
})
