import { expect, test, type Page } from '@playwright/test'
import { createBoard, openBoard, openPeopleList, peopleNames } from './support/board.ts'

// Three browsers' worth of guests (one creates the board) and two identity round trips through the server.

/** What B's tldraw knows of the other people (their cursors' names and colours). */
function collaborators(page: Page): Promise<{ name: string; color: string }[]> {
  return page.evaluate(() => window.editor!.getCollaborators().map((c) => ({ name: c.userName, color: c.color })))
}

function tldrawUser(page: Page): Promise<{ name: string; color: string }> {
  return page.evaluate(() => ({ name: window.editor!.user.getName(), color: window.editor!.user.getColor() }))
}

async function moveCursor(page: Page): Promise<void> {
  await page.mouse.move(500, 420)
  await page.mouse.move(520, 440, { steps: 3 })
}

test.describe.configure({ timeout: 120_000 })

test('one identity: a name and colour set in our popover or in tldraw’s people menu show in both and reach the others', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  const b = await openBoard(browser, editPath, 'Bob')
  await expect.poll(() => peopleNames(b.page)).toEqual(['Alice', 'Bob'])
  // tldraw's user is the guest (support/board.ts gives each guest #1c7ed6).
  expect(await tldrawUser(a.page)).toEqual({ name: 'Alice', color: '#1c7ed6' })

  // A renames in our popover: it stays open after Enter and after a colour.
  await a.page.getByTestId('identity-button').click()
  const popover = a.page.getByRole('dialog', { name: 'Your name and colour' })
  const nameField = popover.getByRole('textbox', { name: 'Your name' })
  await expect(nameField).toBeFocused()
  await nameField.fill('Alicia')
  await nameField.press('Enter')
  await expect(popover).toBeVisible()
  await expect(a.page.getByTestId('identity-button')).toHaveText('Alicia')
  await popover.getByRole('button', { name: 'Teal' }).click()
  await expect(popover).toBeVisible()
  await expect(popover.getByRole('button', { name: 'Teal' })).toHaveAttribute('aria-pressed', 'true')
  await a.page.keyboard.press('Escape')
  await expect(popover).toBeHidden()
  await expect(a.page.getByTestId('identity-button')).toBeFocused()

  // tldraw's people menu on A shows the same identity.
  expect(await tldrawUser(a.page)).toEqual({ name: 'Alicia', color: '#11B3A3' })
  await openPeopleList(a.page)
  await expect(a.page.locator('.tlui-people-menu__user__name')).toHaveText('Alicia')
  await a.page.keyboard.press('Escape')

  // B sees it in the people list and on A's cursor.
  await moveCursor(a.page)
  await expect.poll(() => peopleNames(b.page)).toEqual(['Alicia', 'Bob'])
  await expect.poll(() => collaborators(b.page)).toEqual([{ name: 'Alicia', color: '#11B3A3' }])
  await expect(b.page.locator('.tl-nametag', { hasText: 'Alicia' })).toBeVisible()

  // A renames in tldraw's people menu, and picks a colour in its picker.
  await openPeopleList(a.page)
  await a.page.getByTestId('people-menu.change-name').click()
  const tldrawName = a.page.locator('.tlui-people-menu__user__input')
  await tldrawName.fill('Ally')
  await tldrawName.press('Enter')
  await expect(a.page.locator('.tlui-people-menu__user__name')).toHaveText('Ally')
  await a.page.locator('.tlui-people-menu__user__color').click()
  await a.page.getByTestId('#F04F88').click()
  await a.page.keyboard.press('Escape')
  await a.page.keyboard.press('Escape')
  await expect(a.page.getByTestId('people-list')).toBeHidden()

  // Our UI on A shows it, it is saved on this device, and B sees it.
  await expect(a.page.getByTestId('identity-button')).toHaveText('Ally')
  await a.page.getByTestId('identity-button').click()
  await expect(popover.getByRole('textbox', { name: 'Your name' })).toHaveValue('Ally')
  await expect(popover.getByRole('button', { name: 'Pink' })).toHaveAttribute('aria-pressed', 'true')
  await popover.getByRole('button', { name: 'Done' }).click()
  await expect(popover).toBeHidden()
  expect(await a.page.evaluate(() => JSON.parse(localStorage.getItem('whiteboard:identity') ?? 'null'))).toEqual({ name: 'Ally', color: '#F04F88' })
  await moveCursor(a.page)
  await expect.poll(() => peopleNames(b.page)).toEqual(['Ally', 'Bob'])
  await expect.poll(() => collaborators(b.page)).toEqual([{ name: 'Ally', color: '#F04F88' }])
  await expect.poll(() => peopleNames(a.page)).toEqual(['Ally', 'Bob'])

  await a.context.close()
  await b.context.close()
})
