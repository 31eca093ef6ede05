import { useState, type KeyboardEvent } from 'react'
import type { BoardSession, GuestIdentity } from '@/lib/client/boardSession.ts'
import { GUEST_COLORS, saveGuestIdentity } from '@/lib/client/guestIdentity.ts'
import ConnectionBadge from './ConnectionBadge.tsx'
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
}

function blurOnEnter(event: KeyboardEvent<HTMLInputElement>) {
  if (event.key === 'Enter') event.currentTarget.blur()
}

function BoardName({ initialName, roomId }: { initialName: string; roomId?: string }) {
  const [name, setName] = useState(initialName)
  const [saved, setSaved] = useState(initialName)
  if (!roomId) return <span data-testid="board-name">{saved}</span>
  const rename = async () => {
    if (name.trim() === saved) return
    const response = await fetch(`/api/boards/${roomId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    })
    if (!response.ok) return setName(saved)
    const body = (await response.json()) as { name: string }
    setName(body.name)
    setSaved(body.name)
    document.title = `${body.name} · Whiteboard`
  }
  return (
    <input
      className="board-name"
      data-testid="board-name"
      aria-label="Board name"
      value={name}
      maxLength={100}
      onChange={(event) => setName(event.target.value)}
      onBlur={() => void rename()}
      onKeyDown={blurOnEnter}
    />
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
export default function BoardPanel({ session, boardName, shareIds, identity, onIdentityChange, onToggleHistory }: BoardPanelProps) {
  return (
    <div className="board-panel" data-testid="board-panel">
      <BoardName initialName={boardName} roomId={shareIds.roomId} />
      {session.scope === 'view' && <span className="badge" data-testid="view-only">View only</span>}
      <ConnectionBadge session={session} />
      <PeopleList session={session} />
      <IdentityEditor identity={identity} onChange={onIdentityChange} />
      {onToggleHistory && (
        <button className="small-button" type="button" data-testid="history-button" onClick={onToggleHistory}>
          History
        </button>
      )}
      <ShareDialog ids={shareIds} />
    </div>
  )
}
