import { expect, test } from '@playwright/test'
import { createBoard, drawRectangleWithMouse, openBoard, shapesOn, waitForSaved } from './support/board.ts'
import { E2E } from './support/environment.ts'

test('pages carry a CSP that allows only the app and its sync server, and the board works under it', async ({ browser, request }) => {
  const home = await request.get('/')
  const policy = home.headers()['content-security-policy'] ?? ''
  expect(policy).toContain(`connect-src 'self' data: blob: ws://127.0.0.1:${E2E.syncPort}`)
  expect(policy).toContain("frame-ancestors 'none'")
  expect(home.headers()['x-frame-options']).toBe('DENY')

  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  const violations: string[] = []
  a.page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) violations.push(message.text())
  })
  await drawRectangleWithMouse(a.page, { x: 400, y: 300 }, { x: 560, y: 420 })
  await expect.poll(() => shapesOn(a.page)).toHaveLength(1)
  await waitForSaved(a.page)
  expect(violations).toEqual([])
})
