import { useEffect, useRef, useState } from 'react'
import type { BoardSession } from '@/lib/client/boardSession.ts'
import { listBoards, resetLink } from '@/lib/client/boardsApi.ts'
import PanelPopover from './PanelPopover.tsx'

export interface ShareIds {
  /** Present only on the edit link: the view-only page never learns it. */
  roomId?: string
  viewId: string
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text)
  const field = document.createElement('textarea')
  field.value = text
  document.body.append(field)
  field.select()
  document.execCommand('copy')
  field.remove()
}

function LinkRow({ label, url, testId }: { label: string; url: string; testId: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <label>
      {label}
      <span className="row">
        <input readOnly value={url} data-testid={testId} onFocus={(event) => event.currentTarget.select()} />
        <button className="small-button primary" type="button" onClick={() => void copyText(url).then(() => setCopied(true))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
    </label>
  )
}

/** Whether this guest owns the board: the board list says so for the boards the caller owns. */
function useIsOwner(ids: ShareIds, open: boolean): boolean {
  const [owner, setOwner] = useState(false)
  useEffect(() => {
    if (!open || !ids.roomId) return
    const abort = new AbortController()
    listBoards({ signal: abort.signal }).then(
      (boards) => setOwner(boards.some((board) => board.viewId === ids.viewId && board.owner)),
      () => {},
    )
    return () => abort.abort()
  }, [open, ids.roomId, ids.viewId])
  return owner
}

const RESET_QUESTIONS = {
  edit: 'Reset the edit link? Everyone who opened the board with the current edit link is disconnected, and the old link stops working.',
  view: 'Reset the view link? Everyone watching with the current view link is disconnected, and the old link stops working.',
}

export interface ShareDialogProps {
  ids: ShareIds
  session: BoardSession
  onLinksReset(kind: 'edit' | 'view', ids: { roomId: string; viewId: string }): void
  initiallyOpen?: boolean
}

/** The share button and its popover: the edit link (editors only), the view-only link, and for the owner, resetting either. */
export default function ShareDialog({ ids, session, onLinksReset, initiallyOpen = false }: ShareDialogProps) {
  const [open, setOpen] = useState(initiallyOpen)
  const [notice, setNotice] = useState<string | null>(initiallyOpen ? 'The edit link was reset: here is the new one.' : null)
  const [busy, setBusy] = useState(false)
  const owner = useIsOwner(ids, open)
  const origin = typeof window === 'undefined' ? '' : window.location.origin
  const button = useRef<HTMLButtonElement>(null)
  const close = () => {
    setOpen(false)
    button.current?.focus()
  }

  const reset = async (kind: 'edit' | 'view') => {
    if (!ids.roomId) return
    // This page moves to the new link with a fresh copy: changes the server has not stored yet would stay behind.
    if (kind === 'edit' && (session.connection.get() !== 'live' || session.saveState.get() !== 'saved')) {
      return setNotice('Wait until all changes are saved (live and “All changes saved”), then reset the edit link.')
    }
    if (!window.confirm(RESET_QUESTIONS[kind])) return
    setBusy(true)
    // This page's own socket was opened with the edit link: its close must not read as "board gone".
    const undo = kind === 'edit' ? session.expectLinkReset() : () => {}
    try {
      const next = await resetLink(ids.roomId, kind)
      setNotice(kind === 'edit' ? 'The edit link was reset: here is the new one.' : 'The view link was reset: here is the new one.')
      onLinksReset(kind, next)
    } catch (error) {
      undo()
      setNotice(`Could not reset the link: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <button ref={button} className="small-button primary" type="button" data-testid="share-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Share
      </button>
      {open && (
        <PanelPopover label="Share this board" testId="share-dialog" anchor={button} onDismiss={(reason) => (reason === 'escape' ? close() : setOpen(false))}>
          {ids.roomId && <LinkRow label="Anyone with this link can edit" url={`${origin}/b/${ids.roomId}`} testId="edit-link" />}
          <LinkRow label="Anyone with this link can view" url={`${origin}/v/${ids.viewId}`} testId="view-link" />
          {notice && (
            <p className="muted" role="status" data-testid="share-notice">
              {notice}
            </p>
          )}
          {owner && (
            <span className="row">
              <button className="small-button" type="button" data-testid="reset-edit-link" disabled={busy} onClick={() => void reset('edit')}>
                Reset edit link
              </button>
              <button className="small-button" type="button" data-testid="reset-view-link" disabled={busy} onClick={() => void reset('view')}>
                Reset view link
              </button>
            </span>
          )}
          <button className="small-button" type="button" onClick={close}>
            Done
          </button>
        </PanelPopover>
      )}
    </>
  )
}
