import { useEffect, useMemo, useRef, useState } from 'react'
import { useValue, type Editor, type TLRecord, type TLShapeId } from 'tldraw'
import { beforeRestoreLabel, loadVersion, saveVersion, versionTime, versionTitle } from '@/lib/client/history.ts'
import { applyRecordChanges, describeDiff, diffShapes, documentRecordsOf, planShapeRestore, planVersionRestore } from '@/lib/client/versionDiff.ts'
import type { VersionSummary } from '@/lib/versions.ts'
import HistoryVersionCanvas from './HistoryVersionCanvas.tsx'

export interface HistoryVersionViewProps {
  roomId: string
  live: Editor
  /** Newest first, as the API lists them. */
  versions: VersionSummary[]
  selectedId: string
  personName: string
  onSelect(versionId: string): void
  onBackToLive(): void
  /** A restore went through: the list gains its `before-restore` version. */
  onRestored(): void
}

type Loaded = { id: string; records: TLRecord[] }
type Confirming = { kind: 'version' } | { kind: 'shapes'; ids: TLShapeId[] }

/** The live board's document records, recomputed on every document change (local or remote). */
function useLiveDocument(live: Editor): TLRecord[] {
  const [records, setRecords] = useState(() => documentRecordsOf(live.store))
  useEffect(() => {
    setRecords(documentRecordsOf(live.store))
    return live.store.listen(() => setRecords(documentRecordsOf(live.store)), { scope: 'document' })
  }, [live])
  return records
}

/**
 * A version shown read-only over the live board (which keeps syncing underneath): the banner saying
 * so, the time-travel scrubber, the diff against now, and the two restores, each confirmed first.
 */
export default function HistoryVersionView({ roomId, live, versions, selectedId, personName, onSelect, onBackToLive, onRestored }: HistoryVersionViewProps) {
  const cache = useRef(new Map<string, TLRecord[]>())
  const [loaded, setLoaded] = useState<Loaded | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<Confirming | null>(null)
  const [busy, setBusy] = useState(false)
  const [viewer, setViewer] = useState<Editor | null>(null)
  const liveRecords = useLiveDocument(live)

  useEffect(() => {
    setError(null)
    const cached = cache.current.get(selectedId)
    if (cached) return setLoaded({ id: selectedId, records: cached })
    const abort = new AbortController()
    loadVersion(roomId, selectedId, abort.signal).then(
      ({ records }) => {
        cache.current.set(selectedId, records)
        setLoaded({ id: selectedId, records })
      },
      (failure: unknown) => {
        if (!abort.signal.aborted) setError(`Could not load this version: ${failure instanceof Error ? failure.message : String(failure)}`)
      },
    )
    return () => abort.abort()
  }, [roomId, selectedId])

  const index = versions.findIndex((version) => version.id === selectedId)
  const version = versions[index]
  const shown = loaded ? versions.find((candidate) => candidate.id === loaded.id) : undefined
  const diff = useMemo(() => diffShapes(loaded?.records ?? [], liveRecords), [loaded, liveRecords])
  const selectedShapes = useValue('version selection', () => viewer?.getSelectedShapeIds() ?? [], [viewer])
  const isCurrent = loaded !== null && loaded.id === selectedId

  const restore = async (target: Confirming) => {
    if (!loaded || !version) return
    setBusy(true)
    setError(null)
    try {
      const shapeIds = target.kind === 'shapes' ? target.ids : null
      const plan = (records: TLRecord[]) => (shapeIds ? planShapeRestore(loaded.records, records, shapeIds) : planVersionRestore(loaded.records, records))
      const planned = plan(documentRecordsOf(live.store))
      if (planned.put.length === 0 && planned.remove.length === 0) {
        setConfirming(null)
        setError('Nothing to restore: the board already matches this version there.')
        return
      }
      await saveVersion(roomId, beforeRestoreLabel(personName, version, shapeIds?.length), 'before-restore')
      // Planned against the board as it is once the copy is saved, so edits made meanwhile count.
      applyRecordChanges(live, plan(documentRecordsOf(live.store)), shapeIds ? 'restore shapes' : 'restore version')
      setConfirming(null)
      onRestored()
    } catch (failure) {
      setError(`Restore failed: ${failure instanceof Error ? failure.message : String(failure)}`)
    } finally {
      setBusy(false)
    }
  }

  const position = versions.length - 1 - index
  const step = (delta: number) => {
    const next = versions[index - delta]
    if (next) onSelect(next.id)
  }

  return (
    <section className="version-view" aria-label="Version view" data-testid="version-view">
      <header className="version-view__bar">
        <strong data-testid="version-banner">
          Viewing {version ? versionTitle(version) : 'version'}
          {version?.label ? ` (${versionTime(version)})` : ''} — read-only
        </strong>
        <button type="button" className="small-button primary" onClick={onBackToLive}>
          Back to live
        </button>
        <span className="version-view__scrubber">
          <button type="button" className="small-button" aria-label="Older version" disabled={busy || index >= versions.length - 1} onClick={() => step(-1)}>
            ◀
          </button>
          <input
            type="range"
            aria-label="Time travel"
            min={0}
            max={Math.max(0, versions.length - 1)}
            step={1}
            value={position}
            disabled={busy}
            aria-valuetext={version ? versionTitle(version) : undefined}
            onChange={(event) => {
              const next = versions[versions.length - 1 - Number(event.target.value)]
              if (next) onSelect(next.id)
            }}
          />
          <button type="button" className="small-button" aria-label="Newer version" disabled={busy || index <= 0} onClick={() => step(1)}>
            ▶
          </button>
        </span>
        {loaded && (
          <span className="version-view__diff" data-testid="version-diff-counts" data-current={isCurrent ? 'true' : 'false'} aria-live="polite">
            <span className="version-diff-swatch version-diff-swatch--deleted" aria-hidden="true" />
            {diff.deleted.length} deleted · <span className="version-diff-swatch version-diff-swatch--changed" aria-hidden="true" />
            {diff.changed.length} changed · <span className="version-diff-swatch version-diff-swatch--added" aria-hidden="true" />
            {diff.added.length} added
            <span className="visually-hidden"> since this version</span>
          </span>
        )}
        <span className="version-view__actions">
          <button type="button" className="small-button" disabled={!isCurrent || busy || selectedShapes.length === 0} onClick={() => setConfirming({ kind: 'shapes', ids: selectedShapes })}>
            Restore selected shapes{selectedShapes.length > 0 ? ` (${selectedShapes.length})` : ''}
          </button>
          <button type="button" className="small-button primary" disabled={!isCurrent || busy} onClick={() => setConfirming({ kind: 'version' })}>
            Restore this version
          </button>
        </span>
      </header>
      {error && (
        <p className="version-view__error" role="alert">
          {error}
        </p>
      )}
      <div className="version-view__canvas">
        {loaded ? (
          <HistoryVersionCanvas live={live} records={loaded.records} diff={diff} onEditor={setViewer} />
        ) : (
          !error && <p className="muted version-view__loading">Loading the version…</p>
        )}
      </div>
      {confirming && shown && (
        <div
          className="version-confirm"
          role="dialog"
          aria-modal="true"
          aria-labelledby="version-confirm-title"
          onKeyDown={(event) => {
            if (event.key === 'Escape' && !busy) setConfirming(null)
          }}
        >
          <h2 id="version-confirm-title">{confirming.kind === 'version' ? 'Restore this version?' : 'Restore the selected shapes?'}</h2>
          <p>
            {confirming.kind === 'version'
              ? `The board becomes "${versionTitle(shown)}" for everyone (${describeDiff(diff)} are undone).`
              : `${confirming.ids.length} shape${confirming.ids.length === 1 ? '' : 's'} go back to how "${versionTitle(shown)}" had them; every other shape stays as it is.`}{' '}
            The board as it is now is saved first as a version, and you can undo the restore.
          </p>
          <span className="row">
            <button type="button" className="small-button" disabled={busy} autoFocus onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <button type="button" className="small-button primary" disabled={busy} onClick={() => void restore(confirming)}>
              {busy ? 'Restoring…' : 'Restore'}
            </button>
          </span>
        </div>
      )}
    </section>
  )
}
