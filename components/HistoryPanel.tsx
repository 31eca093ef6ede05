import { useCallback, useEffect, useState, type FormEvent } from 'react'
import type { Editor } from 'tldraw'
import { groupVersionsByDay, listVersions, saveVersion, versionTime, versionTitle } from '@/lib/client/history.ts'
import { VERSION_LABEL_MAX_CHARS, type VersionSummary } from '@/lib/versions.ts'
import HistoryVersionView from './HistoryVersionView.tsx'

export interface HistoryPanelProps {
  roomId: string
  live: Editor
  /** The name this person shows to others: it goes into the label of the version a restore saves first. */
  personName: string
  onClose(): void
}

const KIND_NAMES: Record<VersionSummary['kind'], string> = { auto: 'auto', named: 'named', 'before-restore': 'before restore' }

function VersionItem({ version, selected, onSelect }: { version: VersionSummary; selected: boolean; onSelect(): void }) {
  const authors = version.authors.map((author) => author.name).join(', ')
  return (
    <li>
      <button type="button" className="version-item" data-testid="version-item" data-kind={version.kind} aria-pressed={selected} onClick={onSelect}>
        <span className="version-item__head">
          <time dateTime={version.createdAt}>{versionTime(version)}</time>
          <span className="version-item__title">{versionTitle(version)}</span>
          <span className={`version-kind version-kind--${version.kind}`}>{KIND_NAMES[version.kind]}</span>
        </span>
        <span className="muted">
          {authors || 'no edits'} · {version.shapeCount} shape{version.shapeCount === 1 ? '' : 's'}
        </span>
      </button>
    </li>
  )
}

function SaveVersionForm({ roomId, onSaved }: { roomId: string; onSaved(version: VersionSummary): void }) {
  const [label, setLabel] = useState('')
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setSaving(true)
    setError(null)
    try {
      onSaved(await saveVersion(roomId, label))
      setLabel('')
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      setSaving(false)
    }
  }
  return (
    <form className="history-save" onSubmit={(event) => void submit(event)}>
      <input aria-label="Version label" placeholder="Label, e.g. Before the workshop" value={label} maxLength={VERSION_LABEL_MAX_CHARS} onChange={(event) => setLabel(event.target.value)} />
      <button type="submit" className="small-button primary" disabled={saving || label.trim() === ''}>
        Save version
      </button>
      {error && (
        <p className="history-error" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}

/**
 * The History panel (edit link only): the board's versions grouped by day, "Save version", and,
 * for the selected version, the read-only version view over the live board.
 */
export default function HistoryPanel({ roomId, live, personName, onClose }: HistoryPanelProps) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [selectedId, setSelectedId] = useState<string | null>(null)

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const list = await listVersions(roomId, signal)
        setVersions(list)
        setError(null)
      } catch (failure) {
        if (!signal?.aborted) setError(`Could not list versions: ${failure instanceof Error ? failure.message : String(failure)}`)
      }
    },
    [roomId],
  )

  useEffect(() => {
    const abort = new AbortController()
    void refresh(abort.signal)
    return () => abort.abort()
  }, [refresh])

  // The live editor keeps no keyboard focus while a version is shown over it, so shortcuts cannot
  // change the live board unseen; it gets focus back with "Back to live".
  const viewing = selectedId !== null
  useEffect(() => {
    if (!viewing) return
    live.blur()
    return () => {
      live.focus()
    }
  }, [live, viewing])

  const days = groupVersionsByDay(versions ?? [])

  return (
    <>
      <aside className="history-panel" aria-label="History" data-testid="history-panel">
        <header className="history-panel__header">
          <h2>History</h2>
          <button type="button" className="small-button" onClick={onClose}>
            Close history
          </button>
        </header>
        <SaveVersionForm roomId={roomId} onSaved={() => void refresh()} />
        {error && (
          <p className="history-error" role="alert">
            {error}
          </p>
        )}
        {versions === null && !error && <p className="muted">Loading versions…</p>}
        {versions?.length === 0 && <p className="muted">No versions yet: they are saved automatically as people draw, or with "Save version".</p>}
        {days.map((day) => (
          <section key={day.title} className="history-day" aria-label={day.title}>
            <h3>{day.title}</h3>
            <ul>
              {day.versions.map((version) => (
                <VersionItem key={version.id} version={version} selected={version.id === selectedId} onSelect={() => setSelectedId(version.id)} />
              ))}
            </ul>
          </section>
        ))}
      </aside>
      {selectedId && versions && (
        <HistoryVersionView
          roomId={roomId}
          live={live}
          versions={versions}
          selectedId={selectedId}
          personName={personName}
          onSelect={setSelectedId}
          onBackToLive={() => setSelectedId(null)}
          onRestored={() => {
            setSelectedId(null)
            void refresh()
          }}
        />
      )}
    </>
  )
}
