import { expect, test } from '@playwright/test'
import { createBoard } from './support/board.ts'

test('an unknown board, a tampered link and a malformed id show the error page', async ({ browser, page }) => {
  const { viewPath, editPath } = await createBoard(browser)
  const tamper = (path: string) => path.slice(0, -1) + (path.endsWith('A') ? 'B' : 'A')

  for (const path of ['/b/AAAAAAAAAAAAAAAAAAAAAA', tamper(editPath), tamper(viewPath), '/v/not!a~valid%20id', `/v/${editPath.split('/')[2]}`]) {
    const response = await page.goto(path)
    expect(response?.status(), path).toBe(404)
    await expect(page.getByTestId('error-page')).toBeVisible()
    await expect(page.getByRole('heading')).toHaveText('This board does not exist')
  }
})
