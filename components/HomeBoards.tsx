'use client'

import { useCallback, useEffect, useRef, useState } from 'react'
import {
  cardsFromDevice,
  cardsFromServer,
  filterByName,
  initialsOf,
  relativeTime,
  sortByActivity,
  visiblePeople,
  type BoardCard,
} from '@/lib/client/boardList.ts'
import {
  deleteBoardForever,
  duplicateBoard,
  exportUrl,
  importTldr,
  listBoards,
  renameBoard,
  restoreBoard,
  trashBoard,
} from '@/lib/client/boardsApi.ts'
import { dropLocalCopy, listLocalCopies, pendingChangesOf } from '@/lib/client/localCopy.ts'
import { loadRecentBoards } from '@/lib/client/recentBoards.ts'
import MenuButton from './MenuButton.tsx'

// The list is live while the page is open: polled every few seconds, only while the tab is visible
// (a hidden tab asks nothing; it refreshes as soon as it is shown again).
const POLL_MS = 4_000

type ListState = { status: 'loading' } | { status: 'ready'; cards: BoardCard[]; fromDevice: boolean }

async function copiesOnDevice(): Promise<Set<string>> {
  const links = await listLocalCopies().catch(() => [])
  return new Set(links.map((link) => `${link.kind}:${link.id}`))
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function People({ card }: { card: BoardCard }) {
  if (card.present.length === 0) return null
  const { shown, more } = visiblePeople(card.present)
  return (
    <ul className="avatars" data-testid="board-present" aria-label={`Here now: ${card.present.map((p) => p.name).join(', ')}`}>
      {shown.map((person) => (
        <li key={person.id} className="avatar" style={{ background: person.color }} title={person.name} data-testid="present-person" data-name={person.name}>
          {initialsOf(person.name)}
        </li>
      ))}
      {more > 0 && (
        <li className="avatar more" title={`${more} more`}>
          +{more}
        </li>
      )}
    </ul>
  )
}

function Thumbnail({ card }: { card: BoardCard }) {
  const [failed, setFailed] = useState(false)
  if (!card.thumbnailUrl || failed) {
    return (
      <div className="thumb empty" data-testid="board-thumbnail-empty" aria-hidden="true">
        Empty board
      </div>
    )
  }
  return <img className="thumb" src={card.thumbnailUrl} alt="" data-testid="board-thumbnail" onError={() => setFailed(true)} />
}

function RenameForm({ card, onDone }: { card: BoardCard; onDone(error?: string): void }) {
  const [name, setName] = useState(card.name)
  return (
    <form
      className="rename"
      onSubmit={(event) => {
        event.preventDefault()
        renameBoard(card.roomId!, name).then(
          () => onDone(),
          (error: unknown) => onDone(`Could not rename “${card.name}”: ${errorText(error)}`),
        )
      }}
    >
      <input
        autoFocus
        aria-label={`New name for ${card.name}`}
        value={name}
        maxLength={100}
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onDone()
        }}
      />
      <button className="small-button primary" type="submit">
        Save
      </button>
      <button className="small-button" type="button" onClick={() => onDone()}>
        Cancel
      </button>
    </form>
  )
}

interface CardProps {
  card: BoardCard
  trash: boolean
  now: number
  onChanged(message?: string): void
}

function Card({ card, trash, now, onChanged }: CardProps) {
  const [renaming, setRenaming] = useState(false)
  const act = (what: string, run: () => Promise<unknown>) =>
    run().then(
      () => onChanged(),
      (error: unknown) => onChanged(`Could not ${what} “${card.name}”: ${errorText(error)}`),
    )
  const roomId = card.roomId
  return (
    <li className="card" data-testid="board-card" data-board-name={card.name} data-source={card.source} data-local-copy={card.savedOnDevice}>
      {trash ? <Thumbnail card={card} /> : <a href={card.href} tabIndex={-1} aria-hidden="true"><Thumbnail card={card} /></a>}
      <div className="card-body">
        {renaming && roomId ? (
          <RenameForm
            card={card}
            onDone={(error) => {
              setRenaming(false)
              onChanged(error)
            }}
          />
        ) : trash ? (
          <span className="card-name" data-testid="board-card-name">{card.name}</span>
        ) : (
          <a className="card-name" href={card.href} data-testid="board-card-name">
            {card.name}
          </a>
        )}
        <span className="muted" data-testid="board-activity">
          {card.source === 'device'
            ? `Opened here ${relativeTime(card.updatedAt, now)}`
            : trash && card.trashedAt
              ? `Moved to the trash ${relativeTime(card.trashedAt, now)}`
              : `Edited ${relativeTime(card.updatedAt, now)}${card.lastEditedBy ? ` by ${card.lastEditedBy}` : ''}`}
          {card.roomId === null ? ' · view only' : ''}
          {card.savedOnDevice ? ' · saved on this device' : ''}
        </span>
        <div className="card-foot">
          <People card={card} />
          <MenuButton label={`Actions for ${card.name}`} testId="board-menu">
            {(close) =>
              trash ? (
                <>
                  <button type="button" role="menuitem" onClick={() => (close(), void act('restore', () => restoreBoard(roomId!)))}>
                    Restore
                  </button>
                  <button
                    type="button"
                    role="menuitem"
                    className="danger"
                    onClick={() => {
                      close()
                      if (window.confirm(`Delete “${card.name}” forever? This cannot be undone.`)) void act('delete', () => deleteBoardForever(roomId!))
                    }}
                  >
                    Delete forever
                  </button>
                </>
              ) : (
                <>
                  <a role="menuitem" href={card.href}>
                    Open
                  </a>
                  {roomId && (
                    <>
                      <button type="button" role="menuitem" onClick={() => (close(), setRenaming(true))}>
                        Rename
                      </button>
                      <button
                        type="button"
                        role="menuitem"
                        onClick={() => {
                          close()
                          void act('duplicate', () => duplicateBoard(roomId))
                        }}
                      >
                        Duplicate
                      </button>
                      <a role="menuitem" href={exportUrl(roomId)} download onClick={close}>
                        Download .tldr
                      </a>
                    </>
                  )}
                  {card.savedOnDevice && (
                    <button
                      type="button"
                      role="menuitem"
                      title="The board stays on the server and is downloaded again when you open it."
                      onClick={async () => {
                        close()
                        const links = card.roomId ? [{ kind: 'b' as const, id: card.roomId }, { kind: 'v' as const, id: card.viewId }] : [{ kind: 'v' as const, id: card.viewId }]
                        let waiting = 0
                        for (const link of links) waiting += await pendingChangesOf(link).catch(() => 0)
                        const question = `${waiting === 1 ? '1 change' : `${waiting} changes`} on this board have not reached the server yet and would be lost. Remove the copy anyway?`
                        if (waiting > 0 && !window.confirm(question)) return
                        await Promise.all(links.map((link) => dropLocalCopy(link)))
                        onChanged()
                      }}
                    >
                      Remove from this device
                    </button>
                  )}
                  {card.owner && roomId && (
                    <button type="button" role="menuitem" className="danger" onClick={() => (close(), void act('move to the trash', () => trashBoard(roomId)))}>
                      Move to trash
                    </button>
                  )}
                </>
              )
            }
          </MenuButton>
        </div>
      </div>
    </li>
  )
}

function ImportButton({ onError }: { onError(message: string | null): void }) {
  const input = useRef<HTMLInputElement>(null)
  const [busy, setBusy] = useState(false)
  return (
    <>
      <button className="button secondary" type="button" disabled={busy} onClick={() => input.current?.click()}>
        {busy ? 'Importing…' : 'Import .tldr'}
      </button>
      <input
        ref={input}
        type="file"
        accept=".tldr,application/json"
        hidden
        aria-label="Import a .tldr file"
        data-testid="import-file"
        onChange={async (event) => {
          const file = event.currentTarget.files?.[0]
          event.currentTarget.value = ''
          if (!file) return
          setBusy(true)
          onError(null)
          try {
            const { roomId } = await importTldr(file)
            window.location.assign(`/b/${roomId}`)
          } catch (error) {
            onError(`Could not import ${file.name}: ${errorText(error)}`)
            setBusy(false)
          }
        }}
      />
    </>
  )
}

/**
 * "Your boards": the boards the server knows this guest owns or opened (GET /api/boards), newest
 * activity first, live while the page is open; this browser's list of opened boards when the
 * server cannot be reached; `trash` shows the guest's trashed boards instead.
 */
export default function HomeBoards({ trash }: { trash: boolean }) {
  const [state, setState] = useState<ListState>({ status: 'loading' })
  const [query, setQuery] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  const [now, setNow] = useState(() => Date.now())

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      const copiesRead = copiesOnDevice()
      try {
        const [boards, copies] = await Promise.all([listBoards({ trash, signal }), copiesRead])
        if (signal?.aborted) return
        setState({ status: 'ready', cards: cardsFromServer(boards, copies), fromDevice: false })
      } catch (error) {
        if (signal?.aborted) return
        const copies = await copiesRead
        setState({ status: 'ready', cards: trash ? [] : cardsFromDevice(loadRecentBoards(), copies), fromDevice: true })
        if (trash) setMessage(`Could not load the trash: ${errorText(error)}`)
      }
      setNow(Date.now())
    },
    [trash],
  )

  useEffect(() => {
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | null = null
    const tick = async () => {
      timer = null
      if (document.visibilityState !== 'visible') return
      await refresh(abort.signal)
      if (!abort.signal.aborted && document.visibilityState === 'visible') timer = setTimeout(() => void tick(), POLL_MS)
    }
    const onVisibility = () => {
      if (document.visibilityState === 'visible' && timer === null) void tick()
      else if (document.visibilityState !== 'visible' && timer !== null) {
        clearTimeout(timer)
        timer = null
      }
    }
    void tick()
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      abort.abort()
      if (timer) clearTimeout(timer)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [refresh])

  const onChanged = (text?: string) => {
    setMessage(text ?? null)
    void refresh()
  }
  const cards = state.status === 'ready' ? filterByName(sortByActivity(state.cards), query) : []

  return (
    <section className="boards" aria-labelledby="boards-heading">
      <div className="boards-head">
        <h2 id="boards-heading">{trash ? 'Trash' : 'Your boards'}</h2>
        <input
          type="search"
          className="search"
          placeholder="Search by name"
          aria-label="Search boards by name"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        {!trash && <ImportButton onError={setMessage} />}
        <a className="button secondary" href={trash ? '/' : '/?trash=1'}>
          {trash ? 'Back to your boards' : 'Trash'}
        </a>
      </div>
      {message && (
        <p className="notice" role="alert" data-testid="boards-message">
          {message}
        </p>
      )}
      {state.status === 'ready' && state.fromDevice && !trash && (
        <p className="muted" data-testid="boards-offline">
          The server could not be reached: these are the boards opened in this browser.
        </p>
      )}
      {state.status === 'loading' ? (
        <p className="muted">Loading your boards…</p>
      ) : cards.length === 0 ? (
        <p className="muted" data-testid="boards-empty">
          {query.trim() ? 'No board has that name.' : trash ? 'The trash is empty.' : 'Boards you create or open appear here.'}
        </p>
      ) : (
        <ul className="cards" data-testid="board-cards">
          {cards.map((card) => (
            <Card key={`${card.source}:${card.roomId ?? ''}:${card.viewId}`} card={card} trash={trash} now={now} onChanged={onChanged} />
          ))}
        </ul>
      )}
    </section>
  )
}
