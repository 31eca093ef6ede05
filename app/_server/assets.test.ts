import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { NextRequest } from 'next/server'
import { unstable_doesMiddlewareMatch } from 'next/experimental/testing/server'
import { createTempDatabase, TEST_SECRET } from '../../server/testing/support.ts'
import { config as proxyConfig } from '../../proxy.ts'
import { GET } from '../api/assets/[id]/route.ts'
import { POST } from '../api/assets/route.ts'
import { createBoard } from './boards.ts'
import { database } from './db.ts'
import { MAX_ASSET_BYTES } from './images.ts'

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** A file of `size` bytes that sniffs as PNG. */
function pngOfSize(size: number): File {
  const bytes = new Uint8Array(size)
  bytes.set(PNG_SIGNATURE)
  return new File([bytes], 'big.png', { type: 'image/png' })
}

/** The multipart body a browser sends for an upload, and its content type. */
async function uploadBody(file: File, board: string): Promise<{ body: Uint8Array<ArrayBuffer>; contentType: string }> {
  const form = new FormData()
  form.set('file', file)
  form.set('board', board)
  const encoded = new Response(form)
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! }
}

function uploadRequest(body: BodyInit, contentType: string, headers: Record<string, string> = {}): NextRequest {
  // A stream body needs duplex: 'half' (undici), which the RequestInit type does not list.
  const init = { method: 'POST', body, headers: { 'content-type': contentType, ...headers }, duplex: 'half' }
  return new NextRequest('http://localhost:3000/api/assets', init as ConstructorParameters<typeof NextRequest>[1])
}

/** The same bytes as a stream without Content-Length (chunked, as a client may send them). */
function chunked(body: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= body.byteLength) return controller.close()
      controller.enqueue(body.subarray(offset, offset + 1024 * 1024))
      offset += 1024 * 1024
    },
  })
}

describe('image assets', () => {
  let temp: Awaited<ReturnType<typeof createTempDatabase>>
  let boardId: string

  beforeAll(async () => {
    temp = await createTempDatabase('sqlite')
    vi.stubEnv('DATABASE_URL', temp.url)
    vi.stubEnv('AUTH_SECRET', TEST_SECRET)
    boardId = (await createBoard('uploads')).id
  })

  afterAll(async () => {
    await (await database()).$disconnect()
    delete (globalThis as { whiteboardDb?: unknown }).whiteboardDb
    vi.unstubAllEnvs()
    await temp.remove()
  })

  it('stay out of proxy.ts: uploads reach their route whole, and images keep their own policy', () => {
    for (const url of ['/api/assets', '/api/assets/AAAAAAAAAAAAAAAAAAAAAA']) {
      expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url }), url).toBe(false)
    }
    for (const url of ['/', '/b/AAAAAAAAAAAAAAAAAAAAAA', '/api/token']) {
      expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url }), url).toBe(true)
    }
  })

  it('accept an image of exactly the documented maximum (10 MiB) and serve it sandboxed, same-origin only', async () => {
    expect(MAX_ASSET_BYTES).toBe(10 * 1024 * 1024)
    const { body, contentType } = await uploadBody(pngOfSize(MAX_ASSET_BYTES), boardId)
    const created = await POST(uploadRequest(body, contentType, { 'content-length': String(body.byteLength) }))
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }

    const served = await GET(new NextRequest(`http://localhost:3000/api/assets/${id}`), { params: Promise.resolve({ id }) })
    expect(served.status).toBe(200)
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    expect(served.headers.get('cross-origin-resource-policy')).toBe('same-origin')
    expect(served.headers.get('x-content-type-options')).toBe('nosniff')
    expect(served.headers.get('content-type')).toBe('image/png')
    expect((await served.arrayBuffer()).byteLength).toBe(MAX_ASSET_BYTES)
  })

  it('refuse one byte more with a clear 413, whether the length is declared or the body is chunked', async () => {
    const { body, contentType } = await uploadBody(pngOfSize(MAX_ASSET_BYTES + 1), boardId)
    const declared = await POST(uploadRequest(body, contentType, { 'content-length': String(body.byteLength) }))
    expect(declared.status).toBe(413)
    expect(await declared.json()).toEqual({ error: 'file too large: an image may have at most 10485760 bytes (10 MiB)' })

    const huge = await uploadBody(pngOfSize(MAX_ASSET_BYTES + 1024 * 1024), boardId)
    const streamed = await POST(uploadRequest(chunked(huge.body), huge.contentType))
    expect(streamed.status).toBe(413)
    expect(await streamed.json()).toMatchObject({ error: expect.stringMatching(/^file too large/) })
  })
})
