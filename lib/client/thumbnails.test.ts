import { describe, expect, it } from 'vitest'
import { nextThumbnailStep, thumbnailScale, type ThumbnailState } from './thumbnails.ts'

const timing = { settleMs: 3_000, minIntervalMs: 30_000 }
const changed: ThumbnailState = { changeCount: 3, renderedCount: 0, lastChangeAt: 10_000, lastUploadAt: null }

describe('nextThumbnailStep', () => {
  it('does nothing when nothing changed since the last render', () => {
    expect(nextThumbnailStep({ ...changed, renderedCount: 3 }, 100_000, true, timing)).toEqual({ action: 'idle' })
  })

  it('does nothing while the connection is not live (offline, reconnecting, gone)', () => {
    expect(nextThumbnailStep(changed, 100_000, false, timing)).toEqual({ action: 'idle' })
  })

  it('waits until the edits settled for 3 s', () => {
    expect(nextThumbnailStep(changed, 11_000, true, timing)).toEqual({ action: 'wait', ms: 2_000 })
    expect(nextThumbnailStep(changed, 13_000, true, timing)).toEqual({ action: 'render' })
  })

  it('renders at most once every 30 s', () => {
    const uploaded = { ...changed, lastUploadAt: 5_000 }
    expect(nextThumbnailStep(uploaded, 13_000, true, timing)).toEqual({ action: 'wait', ms: 22_000 })
    expect(nextThumbnailStep(uploaded, 35_000, true, timing)).toEqual({ action: 'render' })
  })

  it('a new change pushes the render back', () => {
    expect(nextThumbnailStep({ ...changed, lastChangeAt: 12_500 }, 13_000, true, timing)).toEqual({ action: 'wait', ms: 2_500 })
  })
})

describe('thumbnailScale', () => {
  it('brings the page to about 320 px wide, enlarging small drawings at most twice', () => {
    expect(thumbnailScale(1_280)).toBe(0.25)
    expect(thumbnailScale(320)).toBe(1)
    expect(thumbnailScale(40)).toBe(2)
    expect(thumbnailScale(0)).toBe(1)
  })
})
