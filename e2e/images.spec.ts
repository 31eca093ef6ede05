import { expect, test } from '@playwright/test'
import { createBoard, openBoard, waitForSaved } from './support/board.ts'
import { PNG_BASE64, dropPng } from './support/opening.ts'


test('an image dropped by A is uploaded, B renders it from its URL, and the document holds no image bytes', async ({ browser }) => {
  const { editPath } = await createBoard(browser)
  const a = await openBoard(browser, editPath, 'Alice')
  const b = await openBoard(browser, editPath, 'Bob')

  // Drop a PNG file on A's canvas, as a file dragged from the desktop would arrive.
  await dropPng(a.page, PNG_BASE64, { x: 500, y: 400 })

  const imageSrc = () =>
    b.page.evaluate(() => {
      const editor = window.editor!
      const image = editor.getCurrentPageShapes().find((shape) => shape.type === 'image') as { props: { assetId: string | null } } | undefined
      const asset = image?.props.assetId ? (editor.getAsset(image.props.assetId as never) as { props: { src: string | null } } | undefined) : undefined
      return asset?.props.src ?? null
    })
  await expect.poll(imageSrc).toMatch(/^\/api\/assets\/[A-Za-z0-9_-]{22}$/)
  const src = (await imageSrc())!

  // B's page shows the image, loaded from the app.
  const rendered = b.page.locator(`img[src$="${src}"]`)
  await expect(rendered).toBeVisible()
  await expect.poll(() => rendered.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(2)

  const response = await b.page.request.get(src)
  expect(response.headers()['content-type']).toBe('image/png')
  expect(response.headers()['cache-control']).toContain('immutable')
  expect((await response.body()).toString('base64')).toBe(PNG_BASE64)

  // The shared document refers to the URL only.
  await waitForSaved(a.page)
  const documentJson = await a.page.evaluate(() => JSON.stringify(window.boardSession!.doc.getMap('records').toJSON()))
  expect(documentJson).toContain(src)
  expect(documentJson).not.toContain('data:')
  expect(documentJson).not.toContain(PNG_BASE64.slice(0, 24))

  await a.context.close()
  await b.context.close()
})

test('an image of exactly 10 MiB uploads through the real server, one byte more is a 413, and images keep their own policy', async ({ browser, request }) => {
  const { editPath } = await createBoard(browser)
  const board = editPath.split('/')[2]
  const pngOfSize = (size: number) => {
    const bytes = Buffer.alloc(size)
    Buffer.from(PNG_BASE64, 'base64').copy(bytes)
    return { name: 'big.png', mimeType: 'image/png', buffer: bytes }
  }
  const maximum = 10 * 1024 * 1024

  const created = await request.post('/api/assets', { multipart: { file: pngOfSize(maximum), board } })
  expect(created.status()).toBe(201)
  const { url } = (await created.json()) as { url: string }
  const served = await request.get(url)
  expect((await served.body()).byteLength).toBe(maximum)
  // proxy.ts does not replace the asset's own policy with the page policy.
  expect(served.headers()['content-security-policy']).toBe("default-src 'none'; sandbox")
  expect(served.headers()['cross-origin-resource-policy']).toBe('same-origin')

  const refused = await request.post('/api/assets', { multipart: { file: pngOfSize(maximum + 1), board } })
  expect(refused.status()).toBe(413)
  expect(await refused.json()).toEqual({ error: 'file too large: an image may have at most 10485760 bytes (10 MiB)' })
})
