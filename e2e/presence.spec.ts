import { expect, test } from '@playwright/test'
import { createBoard, openBoard, peopleNames } from './support/board.ts'

test('B sees A’s cursor and name, both are listed, names propagate, follow works, and A leaves the list on close', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  const b = await openBoard(browser, editPath, 'Bob')

  await expect.poll(() => peopleNames(b.page)).toEqual(['Alice', 'Bob'])
  await expect.poll(() => peopleNames(a.page)).toEqual(['Alice', 'Bob'])

  // A moves the mouse over the canvas; B renders A's cursor with A's name.
  await a.page.mouse.move(500, 400)
  await a.page.mouse.move(520, 420, { steps: 3 })
  await expect
    .poll(() =>
      b.page.evaluate(() => window.editor!.getCollaborators().map((c): { name: string; hasCursor: boolean } => ({ name: c.userName, hasCursor: c.cursor !== null }))),
    )
    .toEqual([{ name: 'Alice', hasCursor: true }])
  await expect(b.page.locator('.tl-nametag', { hasText: 'Alice' })).toBeVisible()

  // B follows A: when A's camera moves, B's follows.
  const aliceId: string = await b.page.evaluate(() => String(window.editor!.getCollaborators()[0].userId))
  await b.page.evaluate((id) => {
    window.editor!.startFollowingUser(id as never)
  }, aliceId)
  const before = await b.page.evaluate(() => ({ x: window.editor!.getCamera().x }))
  await a.page.evaluate(() => {
    window.editor!.setCamera({ x: -2000, y: -1500, z: 1 })
  })
  await expect.poll(() => b.page.evaluate(() => window.editor!.getCamera().x), { timeout: 10_000 }).not.toBe(before.x)
  await b.page.evaluate(() => {
    window.editor!.stopFollowingUser()
  })

  // A renames themself; B's people list and cursor label follow.
  await a.page.getByTestId('identity-button').click()
  await a.page.getByTestId('identity-name').fill('Alicia')
  await a.page.getByTestId('identity-name').press('Enter')
  await expect.poll(() => peopleNames(b.page)).toEqual(['Alicia', 'Bob'])
  await expect.poll(() => b.page.evaluate(() => window.editor!.getCollaborators().map((c) => c.userName))).toEqual(['Alicia'])

  await a.context.close()
  await expect.poll(() => peopleNames(b.page)).toEqual(['Bob'])
  await expect.poll(() => b.page.evaluate(() => window.editor!.getCollaborators().length)).toBe(0)
  await b.context.close()
})
