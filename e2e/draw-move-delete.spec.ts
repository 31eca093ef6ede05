import { expect, test } from '@playwright/test'
import { createBoard, drawRectangleWithMouse, openBoard, shapesOn } from './support/board.ts'

test('a rectangle drawn by A appears for B; B moves it and A sees it; A deletes it and B sees it gone', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  const b = await openBoard(browser, editPath, 'Bob')

  await drawRectangleWithMouse(a.page, { x: 400, y: 300 }, { x: 600, y: 450 })
  await expect.poll(() => shapesOn(a.page)).toHaveLength(1)
  const [drawn] = await shapesOn(a.page)
  expect(drawn.type).toBe('geo')
  expect(drawn.props.geo).toBe('rectangle')
  await expect.poll(() => shapesOn(b.page)).toEqual([drawn])

  // B drags the shape by its top edge (a hollow rectangle is grabbed by its outline), through the UI.
  const centre = await b.page.evaluate((id) => {
    const editor = window.editor!
    const bounds = editor.getShapePageBounds(id as never)!
    return editor.pageToViewport({ x: bounds.center.x, y: bounds.minY })
  }, drawn.id)
  await b.page.keyboard.press('Escape')
  await b.page.keyboard.press('v')
  await b.page.mouse.move(centre.x, centre.y)
  await b.page.mouse.down()
  await b.page.mouse.move(centre.x + 60, centre.y + 40, { steps: 5 })
  await b.page.mouse.move(centre.x + 120, centre.y + 80, { steps: 5 })
  await b.page.mouse.up()
  const [moved] = await shapesOn(b.page)
  expect(moved.x).not.toBe(drawn.x)
  await expect.poll(async () => (await shapesOn(a.page))[0]).toMatchObject({ id: drawn.id, x: moved.x, y: moved.y })

  // A selects it and deletes it with the keyboard.
  await a.page.evaluate((id) => {
    window.editor!.select(id as never)
  }, drawn.id)
  await a.page.keyboard.press('Delete')
  await expect.poll(() => shapesOn(a.page)).toEqual([])
  await expect.poll(() => shapesOn(b.page)).toEqual([])

  await a.context.close()
  await b.context.close()
})
