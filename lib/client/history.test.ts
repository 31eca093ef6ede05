import { describe, expect, it } from 'vitest'
import { VERSION_LABEL_MAX_CHARS, checkVersionLabel, type VersionSummary } from '../versions.ts'
import { beforeRestoreLabel, groupVersionsByDay, versionTitle } from './history.ts'

function version(createdAt: Date, fields: Partial<VersionSummary> = {}): VersionSummary {
  return { id: `v${createdAt.getTime()}`, createdAt: createdAt.toISOString(), kind: 'auto', label: null, authors: [], shapeCount: 0, ...fields }
}

describe('groupVersionsByDay', () => {
  const now = new Date(2026, 2, 15, 12, 0)

  it('groups newest-first versions under Today, Yesterday and their dates, keeping their order', () => {
    const versions = [
      version(new Date(2026, 2, 15, 11, 30)),
      version(new Date(2026, 2, 15, 0, 5)),
      version(new Date(2026, 2, 14, 23, 59)),
      version(new Date(2026, 2, 10, 9, 0)),
      version(new Date(2026, 2, 10, 8, 0)),
      version(new Date(2025, 11, 31, 8, 0)),
    ]
    const days = groupVersionsByDay(versions, now)
    expect(days.map((day) => day.versions.length)).toEqual([2, 1, 2, 1])
    expect(days[0].title).toBe('Today')
    expect(days[1].title).toBe('Yesterday')
    expect(days[2].title).not.toMatch(/Today|Yesterday/)
    expect(days[3].title).toContain('2025')
    expect(days.flatMap((day) => day.versions)).toEqual(versions)
  })

  it('gives nothing for no versions', () => {
    expect(groupVersionsByDay([], now)).toEqual([])
  })
})

describe('versionTitle and beforeRestoreLabel', () => {
  const at = new Date(2026, 2, 15, 14, 5)

  it('names a version by its label, else by its kind and time', () => {
    expect(versionTitle(version(at, { kind: 'named', label: 'v1' }))).toBe('v1')
    expect(versionTitle(version(at))).toMatch(/^Autosave (14|0?2).05/)
  })

  it('says who restored what, and stays a valid label however long the names are', () => {
    const v1 = version(at, { kind: 'named', label: 'v1' })
    expect(beforeRestoreLabel('Ada', v1)).toBe('Before Ada restored "v1"')
    expect(beforeRestoreLabel('Ada', v1, 1)).toBe('Before Ada restored 1 shape from "v1"')
    expect(beforeRestoreLabel('Ada', v1, 3)).toBe('Before Ada restored 3 shapes from "v1"')
    const long = beforeRestoreLabel('N'.repeat(64), version(at, { kind: 'named', label: 'L'.repeat(VERSION_LABEL_MAX_CHARS) }), 12)
    expect([...long].length).toBeLessThanOrEqual(VERSION_LABEL_MAX_CHARS)
    expect(checkVersionLabel(long)).toEqual({ label: long })
    expect(long).toMatch(/^Before N+… restored 12 shapes from "L+…"$/)
  })
})
