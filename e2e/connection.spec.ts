import { expect, test, type WebSocketRoute } from '@playwright/test'
import { createBoard, newGuest, openBoard, waitForLiveBoard } from './support/board.ts'
import { E2E } from './support/environment.ts'
import { startSyncServer, stopSyncServer } from './support/syncServer.ts'

// What the badge says when the connection goes (docs/offline.md, "What the badge says").

test('the badge says offline within 2 s of the network going, and live again when it is back', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const ann = await openBoard(browser, editPath, 'Ann')
  const badge = ann.page.getByTestId('connection-state')

  // When the badge's text changes, in page time: the figures the note quotes (the 2 s bound is the check).
  const watchBadge = () =>
    ann.page.evaluate(() => {
      const changes: { text: string; at: number }[] = []
      const read = () => document.querySelector('[data-testid="connection-state"]')?.textContent ?? ''
      changes.push({ text: read(), at: performance.now() })
      Object.assign(window, { badgeChanges: changes })
      new MutationObserver(() => {
        const text = read()
        if (text !== changes[changes.length - 1]!.text) changes.push({ text, at: performance.now() })
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
      return performance.now()
    })
  const seenAt = (text: string, after: number) =>
    ann.page.evaluate(
      ({ wanted, since }) => (window as unknown as { badgeChanges: { text: string; at: number }[] }).badgeChanges.find((change) => change.text === wanted && change.at >= since)?.at ?? NaN,
      { wanted: text, since: after },
    )

  const offlineText = 'Offline — your changes are kept on this device'
  const wentOffline = await watchBadge()
  await ann.context.setOffline(true)
  await expect(badge).toHaveText(offlineText, { timeout: 2_000 })
  const cameBack = await ann.page.evaluate(() => performance.now())
  await ann.context.setOffline(false)
  await expect(badge).toHaveAttribute('data-state', 'live')
  await expect(badge).toHaveText('Live')
  console.warn(`badge: offline shown ${Math.round((await seenAt(offlineText, wentOffline)) - wentOffline)} ms after setOffline(true), live ${Math.round((await seenAt('Live', cameBack)) - cameBack)} ms after setOffline(false)`)
  await ann.context.close()
})

test('a socket that falls silent (no close, no traffic) is given up within seconds and the board reconnects', async ({ browser }) => {
  test.setTimeout(120_000)
  const { editPath } = await createBoard(browser)
  const context = await newGuest(browser, 'Ann')
  // Every socket to the sync server goes through this relay; freezing stops the open ones carrying anything, both ways.
  const relays: { frozen: boolean; closedByPage: number | undefined | null }[] = []
  await context.routeWebSocket(new RegExp(`:${E2E.syncPort}/`), (page: WebSocketRoute) => {
    const relay: (typeof relays)[number] = { frozen: false, closedByPage: null }
    relays.push(relay)
    const server = page.connectToServer()
    page.onMessage((message) => !relay.frozen && server.send(message))
    server.onMessage((message) => !relay.frozen && page.send(message))
    // A frozen path tells the server nothing: its side stays open, as a half-open socket would.
    page.onClose((code) => {
      relay.closedByPage = code
      if (!relay.frozen) void server.close()
    })
  })
  const page = await context.newPage()
  await page.goto(editPath)
  await waitForLiveBoard(page)
  // The provider's own view of the socket, recorded in the page: a "reconnecting" badge can be shorter than a poll.
  await page.evaluate(() => {
    const statuses: string[] = []
    Object.assign(window, { socketStatuses: statuses })
    window.boardSession!.provider!.on('status', ({ status }) => statuses.push(status))
  })

  const frozen = relays.length
  for (const relay of relays) relay.frozen = true
  // The server pushes presence every 15 s and y-websocket's own watchdog waits 30 s: the probe (every 3 s, two unanswered) is what notices.
  await expect.poll(() => relays.slice(0, frozen).map((relay) => relay.closedByPage), { timeout: 12_000 }).toContain(4001)
  await expect.poll(() => page.evaluate(() => (window as unknown as { socketStatuses: string[] }).socketStatuses)).toContain('disconnected')
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live')
  expect(relays.length).toBeGreaterThan(frozen)
  await context.close()
})

test.describe('with the sync server stopped', () => {
  // Later specs need the server: it is started again even when the test failed or timed out midway.
  test.afterEach(async () => {
    const healthy = await fetch(`http://127.0.0.1:${E2E.syncPort}/healthz`).then((answer) => answer.ok, () => false)
    if (!healthy) await startSyncServer()
  })

  test("a sync server that does not answer for 10 s is named, with what to check and a link to the LAN help", async ({ browser }) => {
    // Ten seconds of waiting by design, a stop and a start of the sync server: more than the default minute on a busy machine.
    test.setTimeout(150_000)
    const { editPath } = await createBoard(browser)
    const ann = await openBoard(browser, editPath, 'Ann')
    const badge = ann.page.getByTestId('connection-state')
    await stopSyncServer()
    await expect(badge).toHaveAttribute('data-state', 'reconnecting')
    await expect(badge).toHaveText(`Can't reach the sync server at ws://127.0.0.1:${E2E.syncPort}`, { timeout: 20_000 })
    const hint = ann.page.getByTestId('connection-hint')
    await expect(hint).toContainText('Is the sync server running? Opened from another device?')
    const [help] = await Promise.all([ann.context.waitForEvent('page'), hint.getByRole('link', { name: 'Use it on your LAN' }).click()])
    await expect(help.getByRole('heading', { name: 'Use it on your LAN' })).toBeVisible()
    await expect(help.getByText('ALLOWED_ORIGINS').first()).toBeVisible()

    // Someone opening the board for the first time (no copy on their device) gets the same answer on the loading screen.
    const ben = await newGuest(browser, 'Ben')
    const benPage = await ben.newPage()
    await benPage.goto(editPath)
    await expect(benPage.getByTestId('connection-state')).toHaveText(`Can't reach the sync server at ws://127.0.0.1:${E2E.syncPort}`, { timeout: 20_000 })
    await expect(benPage.getByRole('link', { name: 'Use it on your LAN' })).toBeVisible()

    await startSyncServer()
    await expect(badge).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
    await expect(ann.page.getByTestId('connection-hint')).toHaveCount(0)
    await waitForLiveBoard(benPage)
    await Promise.all([ann.context.close(), ben.close()])
  })
})
