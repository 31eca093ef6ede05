import { getAssetUrls } from '@tldraw/assets/selfHosted'
import { createContext, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { Tldraw, atom, createTLStore, useEditor, useValue, type Editor, type TLComponents, type TLRecord, type TLShapeId, type TLStore } from 'tldraw'
import { isDocumentRecord, type VersionDiff } from '@/lib/client/versionDiff.ts'

declare global {
  interface Window {
    /** The read-only editor showing a version in the History view, exposed for e2e tests. */
    versionEditor?: Editor
  }
}

const assetUrls = getAssetUrls({ baseUrl: '/tldraw' })

/** A store for showing versions: the live board's schema and assets, read-only for its editor. */
function createVersionStore(live: TLStore, records: readonly TLRecord[]): TLStore {
  const store = createTLStore({
    schema: live.schema,
    assets: live.props.assets,
    collaboration: { status: null, mode: atom('version view mode', 'readonly' as const) },
  })
  store.mergeRemoteChanges(() => store.put(records.filter(isDocumentRecord)))
  return store
}

/** Replaces the store's document with another version's, keeping the camera where it is. */
function showRecords(store: TLStore, records: readonly TLRecord[]): void {
  const next = records.filter(isDocumentRecord)
  const keep = new Set(next.map((record) => record.id))
  const stale = store
    .allRecords()
    .filter((record) => isDocumentRecord(record) && !keep.has(record.id))
    .map((record) => record.id)
  store.mergeRemoteChanges(() => {
    store.put(next)
    store.remove(stale)
  })
}

interface DiffHighlight {
  diff: VersionDiff
  live: Editor
}

const DiffContext = createContext<DiffHighlight | null>(null)

type OutlineKind = 'deleted' | 'changed' | 'added'

/**
 * Outlines, in page space on the version's canvas: shapes deleted since (red) and changed since
 * (orange) where the version has them, shapes added since (dashed green) where they are now.
 */
function DiffOutlines() {
  const editor = useEditor()
  const context = useContext(DiffContext)
  const outlines = useValue(
    'version diff outlines',
    () => {
      if (!context) return []
      const at = (kind: OutlineKind, ids: TLShapeId[], source: Editor) =>
        ids.flatMap((id) => {
          const bounds = source.getShapePageBounds(id)
          return bounds ? [{ id, kind, x: bounds.x, y: bounds.y, w: bounds.w, h: bounds.h }] : []
        })
      return [...at('deleted', context.diff.deleted, editor), ...at('changed', context.diff.changed, editor), ...at('added', context.diff.added, context.live)]
    },
    [editor, context],
  )
  return (
    <>
      {outlines.map((outline) => (
        <div
          key={`${outline.kind}:${outline.id}`}
          className={`version-diff-outline version-diff-outline--${outline.kind}`}
          data-diff={outline.kind}
          data-shape-id={outline.id}
          style={{ transform: `translate(${outline.x}px, ${outline.y}px)`, width: outline.w, height: outline.h }}
        />
      ))}
    </>
  )
}

const components: TLComponents = { OnTheCanvas: DiffOutlines, SharePanel: null, MainMenu: null, HelpMenu: null }

export interface HistoryVersionCanvasProps {
  live: Editor
  records: readonly TLRecord[]
  diff: VersionDiff
  onEditor(editor: Editor | null): void
}

/**
 * A second, read-only tldraw editor showing one version's records, opened on the live board's page
 * and camera. Scrubbing swaps its records in place; selection still works (for restoring shapes).
 */
export default function HistoryVersionCanvas({ live, records, diff, onEditor }: HistoryVersionCanvasProps) {
  const [store] = useState(() => createVersionStore(live.store, records))
  // The records the store holds: the first ones are put at creation, so mounting does not put them twice.
  const shownRecords = useRef(records)
  useEffect(() => {
    if (records === shownRecords.current) return
    showRecords(store, records)
    shownRecords.current = records
  }, [store, records])
  const highlight = useMemo(() => ({ diff, live }), [diff, live])

  return (
    <DiffContext.Provider value={highlight}>
      <Tldraw
        store={store}
        assetUrls={assetUrls}
        licenseKey={process.env.NEXT_PUBLIC_TLDRAW_LICENSE_KEY}
        components={components}
        onMount={(editor) => {
          const pageId = live.getCurrentPageId()
          if (editor.getPage(pageId)) editor.setCurrentPage(pageId)
          editor.setCamera(live.getCamera())
          window.versionEditor = editor
          onEditor(editor)
          return () => {
            if (window.versionEditor === editor) delete window.versionEditor
            onEditor(null)
          }
        }}
      />
    </DiffContext.Provider>
  )
}
