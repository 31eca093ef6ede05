import type { TLAssetStore } from 'tldraw'
import type { BoardLink } from './boardSession.ts'

/**
 * tldraw's asset store for a board: images are uploaded to the app (POST /api/assets) and the
 * shape's asset refers to the returned URL, so the Yjs document never carries image bytes.
 */
export function createBoardAssetStore(link: BoardLink): TLAssetStore {
  return {
    async upload(_asset, file, abortSignal) {
      if (link.kind !== 'b') throw new Error('view-only links cannot upload images')
      const form = new FormData()
      form.set('file', file)
      form.set('board', link.id)
      const response = await fetch('/api/assets', { method: 'POST', body: form, signal: abortSignal })
      if (!response.ok) throw new Error(`image upload failed (HTTP ${response.status})`)
      const { url } = (await response.json()) as { url: string }
      return { src: url }
    },
    resolve(asset) {
      return asset.props.src
    },
  }
}
