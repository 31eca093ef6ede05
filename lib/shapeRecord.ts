/**
 * A complete tldraw geo (rectangle) shape record, valid for tldraw's validators and so for the
 * sync server's document validation. Used by the benchmark's load generator and by tests that
 * write shapes without an editor.
 */
export function geoShapeRecord(id: string, fields: { x?: number; y?: number; parentId?: string; meta?: Record<string, unknown> } = {}) {
  return {
    id,
    typeName: 'shape' as const,
    type: 'geo' as const,
    x: fields.x ?? 0,
    y: fields.y ?? 0,
    rotation: 0,
    index: 'a1',
    parentId: fields.parentId ?? 'page:page',
    isLocked: false,
    opacity: 1,
    meta: fields.meta ?? {},
    props: {
      geo: 'rectangle',
      w: 100,
      h: 80,
      color: 'black',
      labelColor: 'black',
      fill: 'none',
      dash: 'draw',
      size: 'm',
      font: 'draw',
      align: 'middle',
      verticalAlign: 'middle',
      growY: 0,
      url: '',
      scale: 1,
      flipX: false,
      flipY: false,
      richText: { type: 'doc', content: [] },
    },
  }
}
