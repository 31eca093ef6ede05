import { Schema, type MarkSpec, type NodeSpec } from 'prosemirror-model'

/**
 * The ProseMirror schema tldraw 5.4 renders rich text with (`getSchema(tipTapDefaultExtensions)`),
 * written out as data: every field that decides whether a document is valid, in tldraw's order
 * (mark order is part of validity). Loading TipTap to build it would cost the sync server about
 * 17 MiB of resident memory, and tldraw itself 66 MiB; prosemirror-model alone costs 1.5 MiB.
 * `richText.test.ts` checks that it equals the schema built from tldraw's own extensions.
 */
export const RICH_TEXT_SCHEMA_SPEC: { topNode: string; nodes: Record<string, NodeSpec>; marks: Record<string, MarkSpec> } = {
  topNode: 'doc',
  nodes: {
    paragraph: { content: 'inline*', group: 'block', attrs: { dir: { default: 'auto' } } },
    bulletList: { content: 'listItem+', group: 'block list', attrs: { dir: { default: 'auto' } } },
    doc: { content: 'block+', attrs: { dir: { default: 'auto' } } },
    hardBreak: { group: 'inline', inline: true, selectable: false, linebreakReplacement: true, attrs: { dir: { default: 'auto' } } },
    heading: { content: 'inline*', group: 'block', defining: true, attrs: { dir: { default: 'auto' }, level: { default: 1 } } },
    listItem: { content: 'paragraph block*', defining: true, attrs: { dir: { default: 'auto' } } },
    orderedList: {
      content: 'listItem+',
      group: 'block list',
      attrs: { dir: { default: 'auto' }, start: { default: 1 }, type: { default: null } },
    },
    text: { group: 'inline' },
  },
  marks: {
    highlight: {},
    link: {
      inclusive: true,
      attrs: {
        href: { default: null },
        target: { default: '_blank' },
        rel: { default: 'noopener noreferrer nofollow' },
        class: { default: null },
        title: { default: null },
      },
    },
    bold: {},
    code: { code: true },
    italic: {},
    strike: {},
    underline: {},
  },
}

const richTextSchema = new Schema(RICH_TEXT_SCHEMA_SPEC)

export class InvalidRichTextError extends Error {}

/**
 * Throws InvalidRichTextError unless `value` is a rich-text document tldraw can render: known
 * node and mark types only, no empty text nodes, content the schema allows. An empty document
 * (`content: []`) is accepted: tldraw's validator allows it and renders it as no text.
 */
export function checkRichText(value: unknown): void {
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'doc') {
    throw new InvalidRichTextError('rich text must be a doc')
  }
  const content = (value as { content?: unknown }).content
  if (Array.isArray(content) && content.length === 0) return
  try {
    richTextSchema.nodeFromJSON(value).check()
  } catch (error) {
    // ProseMirror throws RangeError (also for documents nested too deep); its "Invalid content"
    // message goes on to print the content, which must not reach logs or close reasons.
    const message = error instanceof Error ? error.message : String(error)
    throw new InvalidRichTextError(message.replace(/: <[\s\S]*$/, '').slice(0, 80))
  }
}

/**
 * The rich text a tldraw record carries, if any: `props.richText` of shapes (geo, text and note
 * shapes, arrow labels). No other record type of tldraw's default schema holds rich text.
 */
export function richTextOf(record: { typeName?: unknown; props?: unknown }): unknown {
  if (record.typeName !== 'shape' || typeof record.props !== 'object' || record.props === null) return undefined
  return (record.props as { richText?: unknown }).richText
}
