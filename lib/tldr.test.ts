import { createTLSchema } from '@tldraw/tlschema'
import { describe, expect, it } from 'vitest'
import { geoShapeRecord } from './shapeRecord.ts'
import { exportTldr, importTldr, InvalidTldrError } from './tldr.ts'

const documentRecord = { id: 'document:document', typeName: 'document', gridSize: 10, name: 'Plans', meta: {} }
const pageRecord = { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} }
const camera = { id: 'camera:page:page', typeName: 'camera', x: 0, y: 0, z: 1, meta: {} }

function withText(text: string) {
  const shape = geoShapeRecord('shape:label')
  return { ...shape, props: { ...shape.props, richText: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] } } }
}

/** The error importTldr throws for `text`. */
function refusal(text: string): string {
  try {
    importTldr(text)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTldrError)
    return (error as Error).message
  }
  throw new Error('the file was accepted')
}

describe('.tldr files', () => {
  it('round-trip a board: export keeps the document records only, import gives them back unchanged', () => {
    const records = [documentRecord, pageRecord, geoShapeRecord('shape:a'), withText('hello'), camera]
    const file = exportTldr(records)
    expect(file.tldrawFileFormatVersion).toBe(1)
    expect(file.schema).toEqual(createTLSchema().serialize())
    expect(file.records.map((record) => record.id)).toEqual(['document:document', 'page:page', 'shape:a', 'shape:label'])
    expect(importTldr(JSON.stringify(file))).toEqual(file.records)
  })

  it('drop session records of a file (cameras, instance state) instead of refusing it', () => {
    const file = { ...exportTldr([pageRecord]), records: [pageRecord, camera] }
    expect(importTldr(JSON.stringify(file))).toEqual([pageRecord])
  })

  it('refuse corrupt JSON and files that are not .tldr', () => {
    expect(refusal('{"tldrawFileFormatVersion": 1, "records": [')).toMatch(/not JSON/)
    expect(refusal('[]')).toMatch(/tldrawFileFormatVersion is missing/)
    expect(refusal(JSON.stringify({ tldrawFileFormatVersion: 1, schema: createTLSchema().serialize(), records: {} }))).toMatch(/records must be an array/)
    expect(refusal(JSON.stringify({ ...exportTldr([]), tldrawFileFormatVersion: 2 }))).toMatch(/newer/)
  })

  it('refuse the whole file on the first bad record, naming it', () => {
    const bad = { ...geoShapeRecord('shape:bad'), props: { ...geoShapeRecord('shape:bad').props, w: 'wide' } }
    const file = exportTldr([pageRecord, geoShapeRecord('shape:good'), bad])
    expect(refusal(JSON.stringify(file))).toMatch(/^record shape:bad: .*w/)

    const badText = withText('x')
    badText.props.richText = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'script', text: 'x' }] }] } as never
    expect(refusal(JSON.stringify(exportTldr([badText])))).toMatch(/^record shape:label: invalid rich text/)

    const embedded = {
      id: 'asset:inline',
      typeName: 'asset',
      type: 'image',
      props: { name: 'a.png', src: 'data:image/png;base64,AAAA', w: 1, h: 1, mimeType: 'image/png', isAnimated: false },
      meta: {},
    }
    expect(refusal(JSON.stringify(exportTldr([embedded])))).toMatch(/^record asset:inline: embedded image data/)
  })

  it('migrate a file written by an older tldraw (a geo shape from before rich text)', () => {
    const current = createTLSchema().serialize()
    const older = { ...current, sequences: { ...current.sequences, 'com.tldraw.shape.geo': 9 } }
    const { richText: _richText, flipX: _flipX, flipY: _flipY, ...oldProps } = geoShapeRecord('shape:old').props
    const oldShape = { ...geoShapeRecord('shape:old'), props: { ...oldProps, text: 'from 2024' } }
    const [migrated] = importTldr(JSON.stringify({ tldrawFileFormatVersion: 1, schema: older, records: [oldShape] }))
    expect(migrated.props).toMatchObject({
      flipX: false,
      flipY: false,
      richText: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'from 2024' }] }] },
    })
    expect(migrated.props).not.toHaveProperty('text')
  })

  it('refuse a file from a newer tldraw', () => {
    const current = createTLSchema().serialize()
    const newer = { ...current, sequences: { ...current.sequences, 'com.tldraw.shape.geo': 99 } }
    expect(refusal(JSON.stringify({ tldrawFileFormatVersion: 1, schema: newer, records: [geoShapeRecord('shape:a')] }))).toMatch(/cannot be migrated/)
  })
})
