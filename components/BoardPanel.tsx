import { useEffect, useState, type KeyboardEvent } from 'react'
import { useEditor, useValue } from 'tldraw'
import type { BoardSession, GuestIdentity } from '@/lib/client/boardSession.ts'
import { duplicateBoard, exportUrl, renameBoard } from '@/lib/client/boardsApi.ts'
import { GUEST_COLORS, saveGuestIdentity } from '@/lib/client/guestIdentity.ts'
import ConnectionBadge from './ConnectionBadge.tsx'
import MenuButton from './MenuButton.tsx'
import PeopleList from './PeopleList.tsx'
import ShareDialog, { type ShareIds } from './ShareDialog.tsx'

export interface BoardPanelProps {
  session: BoardSession
  boardName: string
  shareIds: ShareIds
  identity: GuestIdentity
  onIdentityChange(identity: GuestIdentity): void
  /** Opens or closes the History panel; absent on view-only boards, which have no history. */
  onToggleHistory?(): void
  /** The owner reset a link from the share dialog (the edit link: the board goes on under the new one). */
  onLinksReset(kind: 'edit' | 'view', ids: { roomId: string; viewId: string }): void
  /** Open the share dialog at once (right after this page reset its edit link, to show the new one). */
  shareOpen: boolean
}

function blurOnEnter(event: KeyboardEvent<HTMLInputElement>) {
  if (event.key === 'Enter') event.currentTarget.blur()
}

/**
 * The board's name: the name of tldraw's document record, which every client sees change at once
 * (the sync server writes it on rename), else the name the server gave the page. The page title
 * follows it. On the edit link it can be renamed (PATCH /api/boards/<roomId>).
 */
function BoardName({ serverName, roomId, viewOnly }: { serverName: string; roomId?: string; viewOnly: boolean }) {
  const editor = useEditor()
  const documentName = useValue('document name', () => editor.getDocumentSettings().name, [editor])
  const shown = documentName.trim() || serverName
  // While typing, and until the server answers, the field shows the draft.
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    document.title = `${shown}${viewOnly ? ' (view only)' : ''} · Whiteboard`
  }, [shown, viewOnly])
  if (!roomId) return <span data-testid="board-name" data-name={shown}>{shown}</span>
  const rename = async (name: string) => {
    if (name.trim() === shown || !name.trim()) return setDraft(null)
    try {
      const stored = await renameBoard(roomId, name)
      // The server also writes it into the document; set here too so this editor shows it before the echo.
      if (editor.getDocumentSettings().name !== stored) editor.updateDocumentSettings({ name: stored })
      setError(null)
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    }
    setDraft(null)
  }
  return (
    <input
      className="board-name"
      data-testid="board-name"
      data-name={shown}
      aria-label="Board name"
      aria-invalid={error !== null}
      title={error ? `Could not rename: ${error}` : 'Rename this board'}
      value={draft ?? shown}
      maxLength={100}
      onFocus={() => setDraft(shown)}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={() => draft !== null && void rename(draft)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          setDraft(shown)
          event.currentTarget.blur()
        } else blurOnEnter(event)
      }}
    />
  )
}

/** The board's menu (edit link): make a copy (opened in this tab), download the board as a .tldr file. */
function BoardMenu({ roomId, name }: { roomId: string; name: string }) {
  const [error, setError] = useState<string | null>(null)
  return (
    <>
      <MenuButton label="Board menu" testId="board-panel-menu">
        {(close) => (
          <>
            <button
              type="button"
              role="menuitem"
              data-testid="make-copy"
              onClick={async () => {
                close()
                try {
                  const copy = await duplicateBoard(roomId)
                  window.location.assign(`/b/${copy.roomId}`)
                } catch (failure) {
                  setError(`Could not copy the board: ${failure instanceof Error ? failure.message : String(failure)}`)
                }
              }}
            >
              Make a copy
            </button>
            <a role="menuitem" href={exportUrl(roomId)} download={`${name}.tldr`} data-testid="download-tldr" onClick={close}>
              Download .tldr
            </a>
          </>
        )}
      </MenuButton>
      {error && (
        <span className="panel-error" role="alert">
          {error}
        </span>
      )}
    </>
  )
}

function IdentityEditor({ identity, onChange }: { identity: GuestIdentity; onChange(identity: GuestIdentity): void }) {
  const [open, setOpen] = useState(false)
  const [name, setName] = useState(identity.name)
  const commit = (next: GuestIdentity) => {
    const clean = { name: next.name.trim().slice(0, 64) || identity.name, color: next.color }
    setName(clean.name)
    saveGuestIdentity(clean)
    onChange(clean)
  }
  return (
    <>
      <button className="small-button" type="button" data-testid="identity-button" onClick={() => setOpen(!open)}>
        <span className="dot" style={{ background: identity.color, display: 'inline-block', width: 8, height: 8, borderRadius: 4, marginRight: 4 }} />
        {identity.name}
      </button>
      {open && (
        <div className="popover" role="dialog" aria-label="Your name and colour">
          <label>
            Your name
            <input
              data-testid="identity-name"
              value={name}
              maxLength={64}
              onChange={(event) => setName(event.target.value)}
              onBlur={() => commit({ ...identity, name })}
              onKeyDown={blurOnEnter}
            />
          </label>
          <span className="row">
            {GUEST_COLORS.map((color) => (
              <button
                key={color}
                type="button"
                aria-label={`colour ${color}`}
                className="small-button"
                style={{ background: color, width: 24, height: 24, outline: color === identity.color ? '2px solid #333' : 'none' }}
                onClick={() => commit({ name, color })}
              />
            ))}
          </span>
          <button className="small-button" type="button" onClick={() => setOpen(false)}>
            Done
          </button>
        </div>
      )}
    </>
  )
}

/** The board's top-right panel: name, connection and save state, people, your identity, history (edit link) and share. */
export default function BoardPanel({ session, boardName, shareIds, identity, onIdentityChange, onToggleHistory, onLinksReset, shareOpen }: BoardPanelProps) {
  const editor = useEditor()
  const name = useValue('board name', () => editor.getDocumentSettings().name.trim() || boardName, [editor, boardName])
  return (
    <div className="board-panel" data-testid="board-panel">
      <BoardName serverName={boardName} roomId={shareIds.roomId} viewOnly={session.scope === 'view'} />
      {session.scope === 'view' && <span className="badge" data-testid="view-only">View only</span>}
      <ConnectionBadge session={session} />
      <PeopleList session={session} />
      <IdentityEditor identity={identity} onChange={onIdentityChange} />
      {onToggleHistory && (
        <button className="small-button" type="button" data-testid="history-button" onClick={onToggleHistory}>
          History
        </button>
      )}
      {shareIds.roomId && <BoardMenu roomId={shareIds.roomId} name={name} />}
      <ShareDialog ids={shareIds} session={session} onLinksReset={onLinksReset} initiallyOpen={shareOpen} />
    </div>
  )
}
