import { describe, expect, it } from 'vitest'
import { checkVersionLabel, isValidVersionId, VERSION_LABEL_MAX_CHARS } from './versions.ts'

describe('checkVersionLabel', () => {
  it('accepts plain text on one line, trimmed, up to the maximum in characters (not UTF-16 units)', () => {
    expect(checkVersionLabel('  Before the workshop ')).toEqual({ label: 'Before the workshop' })
    expect(checkVersionLabel('é'.repeat(VERSION_LABEL_MAX_CHARS))).toEqual({ label: 'é'.repeat(VERSION_LABEL_MAX_CHARS) })
    expect(checkVersionLabel('🎨'.repeat(VERSION_LABEL_MAX_CHARS))).toEqual({ label: '🎨'.repeat(VERSION_LABEL_MAX_CHARS) })
  })

  it('refuses what is not a label, each with a reason', () => {
    for (const bad of [undefined, null, 42, ['v1'], { label: 'v1' }]) expect(checkVersionLabel(bad)).toEqual({ error: 'label must be a string' })
    expect(checkVersionLabel('   ')).toEqual({ error: 'label must not be empty' })
    expect(checkVersionLabel('x'.repeat(VERSION_LABEL_MAX_CHARS + 1))).toEqual({ error: `label must be at most ${VERSION_LABEL_MAX_CHARS} characters` })
    for (const bad of ['two\nlines', 'tab\there', 'bell\u0007', 'next\u0085line', 'sep\u2028arator']) {
      expect(checkVersionLabel(bad)).toEqual({ error: 'label must be plain text on one line' })
    }
  })
})

describe('isValidVersionId', () => {
  it('accepts 22 base64url characters (128 bits) and nothing else', () => {
    expect(isValidVersionId('AAAAAAAAAAAAAAAAAAAAAA')).toBe(true)
    expect(isValidVersionId('abcDEF0123456789_-xyzQ')).toBe(true)
    for (const bad of ['', 'short', 'A'.repeat(21), 'A'.repeat(23), 'AAAAAAAAAAAAAAAAAAAAA=', 'AAAAAAAAAAAAAAAAAAAAA/', '../../AAAAAAAAAAAAAAAA', 42, null]) {
      expect(isValidVersionId(bad)).toBe(false)
    }
  })
})
