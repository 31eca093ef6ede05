import { expect, test } from '@playwright/test'
import { createBoard, createRectangles, openBoard, shapesOn } from './support/board.ts'

test('three people drawing at once end with the same shapes and properties', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const people = await Promise.all(['Ann', 'Ben', 'Cat'].map((name) => openBoard(browser, editPath, name)))
  const colors = ['red', 'green', 'blue']

  // Each person adds five shapes in quick succession, all three at the same time.
  await Promise.all(
    people.map(async ({ page }, who) => {
      for (let i = 0; i < 5; i++) {
        await createRectangles(page, [{ id: `p${who}-${i}`, x: 100 + i * 100, y: 100 + who * 120, color: colors[who] }])
      }
    }),
  )
  // One shape is also moved by two people at once: the last write wins everywhere.
  await Promise.all(
    people.slice(0, 2).map(({ page }, who) =>
      page.evaluate((x) => {
        // A block body: the editor's chainable methods return the editor, which Playwright cannot serialise.
        window.editor!.updateShape({ id: 'shape:p2-0' as never, type: 'geo', x })
      }, 700 + who),
    ),
  )

  await expect.poll(async () => (await shapesOn(people[0].page)).length).toBe(15)
  const reference = await shapesOn(people[0].page)
  for (const { page } of people.slice(1)) {
    await expect.poll(() => shapesOn(page)).toEqual(await shapesOn(people[0].page))
  }
  expect(new Set(reference.map((shape) => shape.props.color))).toEqual(new Set(colors))
  // Page and document stayed single despite three first loads.
  for (const { page } of people) {
    expect(await page.evaluate(() => window.editor!.getPages().length)).toBe(1)
  }
  await Promise.all(people.map(({ context }) => context.close()))
})
