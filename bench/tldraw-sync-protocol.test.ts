import { describe, expect, it } from 'vitest'
import { geoShapeRecord } from '../lib/shapeRecord.ts'
import { applyFieldsPatch, applyRecordsDiff, diffFields, metaNumber, MalformedServerFrameError, readServerFrame, type JsonRecord } from './tldraw-sync-protocol.ts'

describe('diffFields', () => {
  it('puts changed numbers and patches only the changed keys of nested objects', () => {
    const before = geoShapeRecord('shape:a', { x: 1, y: 2, meta: { sentAt: 10, note: 'same' } })
    const after = geoShapeRecord('shape:a', { x: 5, y: 2, meta: { sentAt: 20, note: 'same' } })
    expect(diffFields(before, after)).toEqual({ x: ['put', 5], meta: ['patch', { sentAt: ['put', 20] }] })
  })

  it('puts arrays whole, deletes removed keys and returns null when nothing changed', () => {
    expect(diffFields({ a: [1, 2], gone: 1 }, { a: [1, 3] })).toEqual({ a: ['put', [1, 3]], gone: ['delete'] })
    const record = geoShapeRecord('shape:b')
    expect(diffFields(record, structuredClone(record))).toBeNull()
  })

  it('round-trips: applying the diff of two records gives the second', () => {
    const before = geoShapeRecord('shape:c', { x: 3, meta: { sentAt: 1 } })
    const after = { ...geoShapeRecord('shape:c', { x: 4, y: 9, meta: { sentAt: 2 } }), props: { ...before.props, w: 300, richText: { type: 'doc', content: [{ type: 'paragraph' }] } } }
    const patch = diffFields(before, after)
    expect(patch).not.toBeNull()
    expect(applyFieldsPatch(before, patch ?? {})).toEqual(after)
  })
})

describe('applyRecordsDiff', () => {
  it('puts, patches and removes records; a patch of an unknown record is ignored', () => {
    const records = new Map<string, JsonRecord>([['shape:a', geoShapeRecord('shape:a', { x: 1 })], ['shape:b', geoShapeRecord('shape:b')]])
    applyRecordsDiff(records, {
      'shape:a': ['patch', { x: ['put', 7] }],
      'shape:b': ['remove'],
      'shape:c': ['put', geoShapeRecord('shape:c')],
      'shape:unknown': ['patch', { x: ['put', 1] }],
    })
    expect([...records.keys()].sort()).toEqual(['shape:a', 'shape:c'])
    expect(records.get('shape:a')?.x).toBe(7)
  })

  it('appends to arrays and strings from the given offset', () => {
    expect(applyFieldsPatch({ list: [1, 2, 3], text: 'abc' }, { list: ['append', [9], 2], text: ['append', 'Z', 3] })).toEqual({ list: [1, 2, 9], text: 'abcZ' })
  })
})

describe('metaNumber', () => {
  it('reads a meta field from a put, a put of meta and a patch of meta', () => {
    expect(metaNumber(['put', geoShapeRecord('shape:a', { meta: { sentAt: 5 } })], 'sentAt')).toBe(5)
    expect(metaNumber(['patch', { meta: ['put', { sentAt: 6 }] }], 'sentAt')).toBe(6)
    expect(metaNumber(['patch', { meta: ['patch', { sentAt: ['put', 7] }] }], 'sentAt')).toBe(7)
    expect(metaNumber(['patch', { x: ['put', 1] }], 'sentAt')).toBeUndefined()
    expect(metaNumber(['remove'], 'sentAt')).toBeUndefined()
  })
})

describe('readServerFrame', () => {
  it('reads the connect answer, a data batch, pong and an incompatibility error', () => {
    const shape = geoShapeRecord('shape:a')
    expect(readServerFrame(JSON.stringify({ type: 'connect', diff: { 'shape:a': ['put', shape] }, serverClock: 1 }))).toEqual([{ kind: 'connected', diff: { 'shape:a': ['put', shape] } }])
    const batch = { type: 'data', data: [{ type: 'patch', diff: { 'shape:a': ['remove'] }, serverClock: 2 }, { type: 'push_result', clientClock: 4, serverClock: 2, action: 'commit' }] }
    expect(readServerFrame(JSON.stringify(batch))).toEqual([
      { kind: 'patch', diff: { 'shape:a': ['remove'] } },
      { kind: 'push-result', clientClock: 4, action: 'commit' },
    ])
    expect(readServerFrame('{"type":"pong"}')).toEqual([{ kind: 'pong' }])
    expect(readServerFrame('{"type":"incompatibility_error","reason":"clientTooOld"}')).toEqual([{ kind: 'refused', reason: 'clientTooOld' }])
    expect(readServerFrame('{"type":"custom","data":1}')).toEqual([{ kind: 'other' }])
  })

  it('rejects frames that are not the protocol', () => {
    expect(() => readServerFrame('not json')).toThrow(MalformedServerFrameError)
    expect(() => readServerFrame('[1]')).toThrow(MalformedServerFrameError)
    expect(() => readServerFrame('{"type":"data","data":{}}')).toThrow(MalformedServerFrameError)
    expect(() => readServerFrame('{"type":"patch","diff":null}')).toThrow(MalformedServerFrameError)
  })
})
