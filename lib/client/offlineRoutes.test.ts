import { describe, expect, it } from 'vitest'
import { isAssetImagePath, isBoardPagePath, isCacheablePageUrl, isHandledNavigationPath } from './offlineRoutes.ts'

const page = (path: string) => new URL(path, 'https://board.example')
const roomId = 'AbCdEfGhIjKlMnOpQrStUv'

describe('which pages the service worker keeps', () => {
  it('keeps the home page and board pages', () => {
    expect(isCacheablePageUrl(page('/'))).toBe(true)
    expect(isCacheablePageUrl(page(`/b/${roomId}`))).toBe(true)
    expect(isCacheablePageUrl(page(`/v/${roomId}`))).toBe(true)
  })

  it('keeps no page with a query, and no other page', () => {
    expect(isCacheablePageUrl(page('/?limited=boards'))).toBe(false)
    expect(isCacheablePageUrl(page(`/b/${roomId}?_rsc=1x2y3`))).toBe(false)
    expect(isCacheablePageUrl(page('/~offline'))).toBe(false)
    expect(isCacheablePageUrl(page('/api/token'))).toBe(false)
    expect(isCacheablePageUrl(page(`/b/${roomId}/extra`))).toBe(false)
    expect(isCacheablePageUrl(page('/x/abc'))).toBe(false)
  })

  it('accepts only well-formed board ids', () => {
    expect(isBoardPagePath('/b/')).toBe(false)
    expect(isBoardPagePath('/b/has%20space')).toBe(false)
    expect(isBoardPagePath(`/b/${'a'.repeat(65)}`)).toBe(false)
    expect(isBoardPagePath(`/b/${'a'.repeat(64)}`)).toBe(true)
  })
})

describe('uploaded images', () => {
  it('matches GET /api/assets/<id> only', () => {
    expect(isAssetImagePath(`/api/assets/${roomId}`)).toBe(true)
    expect(isAssetImagePath('/api/assets')).toBe(false)
    expect(isAssetImagePath('/api/assets/')).toBe(false)
    expect(isAssetImagePath(`/api/assets/${roomId}/x`)).toBe(false)
    expect(isAssetImagePath(`/api/boards/${roomId}`)).toBe(false)
  })
})

describe('navigations the worker answers', () => {
  it('leaves API routes, Next internals and the worker itself to the browser', () => {
    expect(isHandledNavigationPath('/api')).toBe(false)
    expect(isHandledNavigationPath(`/api/assets/${roomId}`)).toBe(false)
    expect(isHandledNavigationPath('/_next/static/chunks/app.js')).toBe(false)
    expect(isHandledNavigationPath('/sw.js')).toBe(false)
  })

  it('answers pages, including ones it does not keep', () => {
    expect(isHandledNavigationPath('/')).toBe(true)
    expect(isHandledNavigationPath(`/b/${roomId}`)).toBe(true)
    expect(isHandledNavigationPath('/apiary')).toBe(true)
    expect(isHandledNavigationPath('/some/unknown/page')).toBe(true)
  })
})
