import { describe, expect, it } from 'vitest'
import { exportFileName } from './exportNames.ts'

describe('exportFileName', () => {
  it('is the board name on a one-page board', () => {
    expect(exportFileName('Plans Q3', { name: 'Page 1', count: 1 })).toBe('Plans Q3')
  })

  it('adds the page name when the board has several pages', () => {
    expect(exportFileName('Plans Q3', { name: 'Roadmap', count: 3 })).toBe('Plans Q3 – Roadmap')
  })

  it('names files the way the .tldr download does: what file systems refuse becomes a space', () => {
    expect(exportFileName('Plans: Q3 / "draft"?', { name: 'x', count: 1 })).toBe('Plans Q3 draft')
    expect(exportFileName('Plans', { name: 'a/b', count: 2 })).toBe('Plans – a b')
  })

  it('falls back to "Board" for an empty name and bounds the length', () => {
    expect(exportFileName('   ', { name: 'Page 1', count: 1 })).toBe('Board')
    expect(exportFileName('x'.repeat(400), { name: 'Page 1', count: 1 })).toHaveLength(150)
  })
})
