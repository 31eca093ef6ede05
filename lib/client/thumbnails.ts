import type { Editor } from 'tldraw'
import { react } from 'tldraw'
import type { BoardSession } from './boardSession.ts'
import { uploadThumbnail } from './boardsApi.ts'

/** When a board's thumbnail is rendered: after the user's own edits settle, at most every so often. */
export interface ThumbnailTiming {
  /** Quiet time after the last local change. */
  settleMs: number
  /** Least time between two uploads. */
  minIntervalMs: number
}

export const THUMBNAIL_TIMING: ThumbnailTiming = { settleMs: 3_000, minIntervalMs: 30_000 }
/** The thumbnail's width in CSS pixels (the home page's cards are smaller). */
export const THUMBNAIL_WIDTH = 320

/** What the scheduler knows: local changes are counted, the last rendered count is remembered. */
export interface ThumbnailState {
  changeCount: number
  renderedCount: number
  lastChangeAt: number
  lastUploadAt: number | null
}

export type ThumbnailStep = { action: 'idle' } | { action: 'wait'; ms: number } | { action: 'render' }

/**
 * The next step: nothing when the board cannot be edited here, the connection is not live or
 * nothing changed since the last render; else wait until the edits settled and the last upload
 * is old enough; then render.
 */
export function nextThumbnailStep(state: ThumbnailState, now: number, live: boolean, timing: ThumbnailTiming = THUMBNAIL_TIMING): ThumbnailStep {
  if (!live || state.changeCount === state.renderedCount) return { action: 'idle' }
  const due = Math.max(state.lastChangeAt + timing.settleMs, (state.lastUploadAt ?? -Infinity) + timing.minIntervalMs)
  return now < due ? { action: 'wait', ms: due - now } : { action: 'render' }
}

/** The export scale that makes `width` about THUMBNAIL_WIDTH (never enlarged more than twice). */
export function thumbnailScale(width: number): number {
  if (!(width > 0)) return 1
  return Math.min(2, THUMBNAIL_WIDTH / width)
}

function whenIdle(run: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(run, { timeout: 2_000 })
    return () => cancelIdleCallback(handle)
  }
  const timer = setTimeout(run, 0)
  return () => clearTimeout(timer)
}

/**
 * Keeps the board's thumbnail current from this editor: the current page, rendered by tldraw's own
 * export (all its shapes, background on, ~320 px wide, WebP where the browser encodes it, else PNG),
 * uploaded with `PUT /api/boards/<roomId>/thumbnail`. Only this user's edits count; the render runs
 * in idle time and never blocks editing; offline, view-only and gone boards upload nothing; an empty
 * page uploads nothing (the home page shows the empty card). Returns the function that stops it.
 */
export function startThumbnailUploads(editor: Editor, session: BoardSession, roomId: string, timing: ThumbnailTiming = THUMBNAIL_TIMING): () => void {
  if (session.scope !== 'edit') return () => {}
  const state: ThumbnailState = { changeCount: 0, renderedCount: 0, lastChangeAt: 0, lastUploadAt: null }
  let timer: ReturnType<typeof setTimeout> | null = null
  let cancelIdle: (() => void) | null = null
  let rendering = false
  let stopped = false
  const live = () => session.connection.get() === 'live'

  const render = async () => {
    rendering = true
    const count = state.changeCount
    try {
      const ids = [...editor.getCurrentPageShapeIds()]
      const bounds = editor.getCurrentPageBounds()
      if (ids.length === 0 || !bounds) {
        state.renderedCount = count
        return
      }
      const { blob } = await editor.toImage(ids, { format: 'webp', background: true, scale: thumbnailScale(bounds.w), pixelRatio: 1, padding: 16 })
      if (stopped || !live()) return
      await uploadThumbnail(roomId, blob)
      state.renderedCount = count
      state.lastUploadAt = Date.now()
    } catch (error) {
      // A failed render or upload is retried after the next change; editing is never affected.
      console.warn('thumbnail not updated', error)
      state.renderedCount = count
    } finally {
      rendering = false
      schedule()
    }
  }

  function schedule() {
    if (stopped || rendering) return
    if (timer) clearTimeout(timer)
    cancelIdle?.()
    timer = null
    cancelIdle = null
    const step = nextThumbnailStep(state, Date.now(), live(), timing)
    if (step.action === 'wait') timer = setTimeout(schedule, step.ms)
    else if (step.action === 'render') cancelIdle = whenIdle(() => void render())
  }

  const stopListening = editor.store.listen(
    () => {
      state.changeCount++
      state.lastChangeAt = Date.now()
      schedule()
    },
    { source: 'user', scope: 'document' },
  )
  // Back online (or live again) with changes not rendered yet: schedule them.
  const stopWatching = react('thumbnail connection', () => {
    session.connection.get()
    schedule()
  })
  return () => {
    stopped = true
    stopListening()
    stopWatching()
    if (timer) clearTimeout(timer)
    cancelIdle?.()
  }
}
