import { describe, expect, it } from 'vitest'
import { getSchema } from '@tiptap/core'
import { defaultShapeSchemas, richTextValidator, toRichText } from '@tldraw/tlschema'
import { tipTapDefaultExtensions } from 'tldraw'
import { Schema, type MarkSpec, type NodeSpec } from 'prosemirror-model'
import { RICH_TEXT_SCHEMA_SPEC, checkRichText, richTextOf } from './richText.ts'

/** The schema tldraw's text editor and renderer use, built from its own TipTap extensions. */
const tldrawSchema = getSchema(tipTapDefaultExtensions)

/** A spec without its DOM hooks (parsing and rendering, not validity); any other function shows up as a marker. */
function dataOf(spec: NodeSpec | MarkSpec): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(spec)) {
    if (field === 'parseDOM' || field === 'toDOM' || field === 'toText') continue
    data[field] = typeof value === 'function' ? '[function]' : value
  }
  return JSON.parse(JSON.stringify(data))
}

function specOf(schema: Schema) {
  const nodes: [string, unknown][] = []
  const marks: [string, unknown][] = []
  schema.spec.nodes.forEach((name, spec) => nodes.push([name, dataOf(spec)]))
  schema.spec.marks.forEach((name, spec) => marks.push([name, dataOf(spec)]))
  return { topNode: schema.spec.topNode, nodes, marks }
}

/** What tldraw's renderer does with rich text: build the ProseMirror node (throws on unknown types and empty text). */
function tldrawAccepts(value: unknown): boolean {
  try {
    tldrawSchema.nodeFromJSON(value).check()
    return true
  } catch {
    return false
  }
}

function accepts(value: unknown): boolean {
  try {
    checkRichText(value)
    return true
  } catch {
    return false
  }
}

const text = (value: string, marks?: unknown[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) })
const paragraph = (...content: unknown[]) => ({ type: 'paragraph', ...(content.length ? { content } : {}) })
const doc = (...content: unknown[]) => ({ type: 'doc', content })

// What tldraw's editor writes: marks in schema order, lists, headings, links, text direction.
const formatted = doc(
  { type: 'heading', attrs: { dir: 'auto', level: 2 }, content: [text('Title')] },
  paragraph(
    text('bold and italic', [{ type: 'bold' }, { type: 'italic' }]),
    { type: 'hardBreak' },
    text('a link', [{ type: 'link', attrs: { href: 'https://example.com', target: '_blank', rel: 'noopener noreferrer nofollow', class: null, title: null } }]),
    text('code', [{ type: 'highlight' }, { type: 'bold' }, { type: 'code' }]),
  ),
  { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('one'))] }] },
  { type: 'orderedList', attrs: { start: 3, type: null }, content: [{ type: 'listItem', content: [paragraph(text('three')), paragraph()] }] },
)

describe('rich text schema', () => {
  it('is the schema tldraw builds from its own TipTap extensions (canary: update RICH_TEXT_SCHEMA_SPEC after a tldraw upgrade)', () => {
    expect(specOf(new Schema(RICH_TEXT_SCHEMA_SPEC))).toEqual(specOf(tldrawSchema))
  })

  it('accepts what tldraw writes, and an empty document', () => {
    for (const value of [toRichText('hello\n\nworld'), toRichText(''), formatted, doc()]) expect(accepts(value), JSON.stringify(value)).toBe(true)
    expect(tldrawAccepts(formatted)).toBe(true)
  })

  it('refuses what tldraw cannot render, with a reason that does not quote the content', () => {
    const broken = {
      'unknown node type': doc({ type: 'bogusNode' }),
      'empty text node': doc(paragraph(text(''))),
      'unknown mark': doc(paragraph(text('x', [{ type: 'blink' }]))),
      'the same mark twice': doc(paragraph(text('x', [{ type: 'bold' }, { type: 'bold' }]))),
      'text straight in the doc': doc(text('secret words')),
      'list without items': doc({ type: 'bulletList', content: [paragraph(text('secret words'))] }),
      'deep nesting': Array.from({ length: 20_000 }).reduce<unknown>((inner) => ({ type: 'listItem', content: [inner] }), paragraph()),
    }
    for (const [name, value] of Object.entries(broken)) {
      expect(tldrawAccepts(value), name).toBe(false)
      expect(() => checkRichText(value), name).toThrow()
    }
    expect(() => checkRichText(broken['unknown node type'])).toThrow(/Unknown node type: bogusNode/)
    expect(() => checkRichText(broken['empty text node'])).toThrow(/Empty text nodes are not allowed/)
    expect(() => checkRichText(broken['text straight in the doc'])).toThrow(/^Invalid content for node doc$/)
    expect(() => checkRichText({ type: 'paragraph', content: [] })).toThrow(/must be a doc/)
    expect(() => checkRichText(null)).toThrow(/must be a doc/)
  })

  it('finds the rich text of every shape type that has some (geo, text, note, arrow labels)', () => {
    const withRichText = Object.entries(defaultShapeSchemas)
      .map(([type, schema]) => [type, Object.entries(schema.props ?? {}).filter(([, validator]) => validator === richTextValidator)] as const)
      .filter(([, props]) => props.length > 0)
      .map(([type, props]) => [type, props.map(([prop]) => prop)])
    // richTextOf reads props.richText: a shape keeping rich text under another name would escape the check.
    expect(withRichText).toEqual([
      ['arrow', ['richText']],
      ['geo', ['richText']],
      ['note', ['richText']],
      ['text', ['richText']],
    ])
    const richText = toRichText('hi')
    expect(richTextOf({ typeName: 'shape', props: { richText } })).toBe(richText)
    expect(richTextOf({ typeName: 'page' })).toBeUndefined()
    expect(richTextOf({ typeName: 'shape', props: { w: 1 } })).toBeUndefined()
  })
})
