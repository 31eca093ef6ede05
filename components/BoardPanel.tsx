import { createContext, useContext, useId, useRef, useState } from 'react'
import { PORTRAIT_BREAKPOINT, useBreakpoint, useValue, type Signal } from 'tldraw'
import type { BoardSession, GuestIdentity } from '@/lib/client/boardSession.ts'
import { duplicateBoard, exportUrl } from '@/lib/client/boardsApi.ts'
import BoardName, { useBoardName } from './BoardName.tsx'
import ConnectionBadge from './ConnectionBadge.tsx'
import IdentityEditor from './IdentityEditor.tsx'
import MenuButton from './MenuButton.tsx'
import PanelPopover, { useDismiss } from './PanelPopover.tsx'
import PeopleMenu from './PeopleMenu.tsx'
import ShareDialog, { type ShareIds } from './ShareDialog.tsx'

export interface BoardPanelProps {
  session: BoardSession
  boardName: string
  shareIds: ShareIds
  /** Your name and colour, shared with tldraw's user preferences (lib/client/guestIdentity.ts). */
  identity: Signal<GuestIdentity>
  /** A name or colour committed in our identity popover: saved and sent to the server at once. */
  onIdentityChange(identity: GuestIdentity): void
  /** Opens or closes the History panel; absent on view-only boards, which have no history. */
  onToggleHistory?(): void
  /** The owner reset a link from the share dialog (the edit link: the board goes on under the new one). */
  onLinksReset(kind: 'edit' | 'view', ids: { roomId: string; viewId: string }): void
  /** Open the share dialog at once (right after this page reset its edit link, to show the new one). */
  shareOpen: boolean
}

/** What the board's panels need, handed to tldraw's UI slots (components/Board.tsx) through context. */
export const BoardPanelContext = createContext<BoardPanelProps | null>(null)

function useBoardPanelProps(): BoardPanelProps | null {
  return useContext(BoardPanelContext)
}

/**
 * How much of the panel fits, following tldraw's own breakpoints: below TABLET_SM (tldraw's mobile
 * layout) the name, your identity and history move into the ⋯ menu and the status shrinks to a dot;
 * below TABLET your identity and history move into the menu.
 */
function usePanelLayout(): 'narrow' | 'medium' | 'wide' {
  const breakpoint = useBreakpoint()
  if (breakpoint < PORTRAIT_BREAKPOINT.TABLET_SM) return 'narrow'
  return breakpoint < PORTRAIT_BREAKPOINT.TABLET ? 'medium' : 'wide'
}

/** tldraw's TopPanel slot: the board's name (renamed in place on the edit link) on screens wide enough for it. */
export function BoardTopPanel() {
  const props = useBoardPanelProps()
  const layout = usePanelLayout()
  if (!props || layout === 'narrow') return null
  const viewOnly = props.session.scope === 'view'
  return (
    <div className="board-title">
      <BoardName serverName={props.boardName} roomId={props.shareIds.roomId} viewOnly={viewOnly} />
      {viewOnly && (
        <span className="badge" data-testid="view-only">
          View only
        </span>
      )}
    </div>
  )
}

/**
 * Connection and saving state. On narrow screens a dot button stands for it and opens the details;
 * the badge stays in the page either way (its status is announced, its warnings run).
 */
function BoardStatus({ session, compact }: { session: BoardSession; compact: boolean }) {
  const [open, setOpen] = useState(false)
  const id = useId()
  const button = useRef<HTMLButtonElement>(null)
  const details = useRef<HTMLDivElement>(null)
  const connection = useValue('connection', () => session.connection.get(), [session])
  useDismiss(compact && open, [button, details], (reason) => {
    setOpen(false)
    if (reason === 'escape') button.current?.focus()
  })
  if (!compact) {
    return (
      <div className="board-status">
        <ConnectionBadge session={session} />
      </div>
    )
  }
  return (
    <>
      <button
        ref={button}
        type="button"
        className="small-button status-button"
        data-testid="status-button"
        aria-label={`Connection: ${connection}. Details`}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
      >
        <span className="status-dot" data-state={connection} aria-hidden="true" />
      </button>
      <div ref={details} id={id} className="board-status" data-collapsed={!open}>
        <ConnectionBadge session={session} />
      </div>
    </>
  )
}

type PanelDialog = 'identity' | 'rename' | null

/**
 * tldraw's SharePanel slot: connection state, the people on the board, your identity, history (edit
 * link), Share and the board's ⋯ menu, in one compact row above tldraw's style panel. On narrow
 * screens the less frequent ones (name, identity, history) are items of the ⋯ menu.
 */
export function BoardSharePanel() {
  const props = useBoardPanelProps()
  const layout = usePanelLayout()
  const [dialog, setDialog] = useState<PanelDialog>(null)
  const identityButton = useRef<HTMLButtonElement>(null)
  const menuButton = useRef<HTMLButtonElement>(null)
  const identity = useValue('identity', () => props?.identity.get() ?? null, [props?.identity])
  const name = useBoardName(props?.boardName ?? '')
  if (!props || !identity) return null
  const { session, shareIds, onToggleHistory } = props
  const roomy = layout === 'wide'
  const closeDialog = (focus: HTMLElement | null) => {
    setDialog(null)
    focus?.focus()
  }
  const viewOnly = session.scope === 'view'

  return (
    <div className="board-panel" data-testid="board-panel" data-layout={layout}>
      <BoardStatus session={session} compact={layout === 'narrow'} />
      <PeopleMenu session={session} />
      {roomy && (
        <button
          ref={identityButton}
          className="small-button identity-button"
          type="button"
          data-testid="identity-button"
          aria-label={`Your name and colour: ${identity.name}`}
          aria-haspopup="dialog"
          aria-expanded={dialog === 'identity'}
          onClick={() => setDialog(dialog === 'identity' ? null : 'identity')}
        >
          <span className="dot" style={{ background: identity.color }} aria-hidden="true" />
          <span className="identity-button__name">{identity.name}</span>
        </button>
      )}
      {roomy && onToggleHistory && (
        <button className="small-button" type="button" data-testid="history-button" onClick={onToggleHistory}>
          History
        </button>
      )}
      <ShareDialog ids={shareIds} session={session} onLinksReset={props.onLinksReset} initiallyOpen={props.shareOpen} />
      <BoardMenu
        layout={layout}
        name={name}
        viewOnly={viewOnly}
        roomId={shareIds.roomId}
        buttonRef={menuButton}
        onOpenDialog={setDialog}
        onToggleHistory={onToggleHistory}
      />
      {dialog === 'identity' && (
        <IdentityEditor
          identity={identity}
          onChange={props.onIdentityChange}
          anchor={roomy ? identityButton : undefined}
          onClose={() => closeDialog(roomy ? identityButton.current : menuButton.current)}
        />
      )}
      {dialog === 'rename' && shareIds.roomId && (
        <PanelPopover label="Rename this board" testId="rename-popover" onDismiss={() => closeDialog(menuButton.current)}>
          <BoardName serverName={props.boardName} roomId={shareIds.roomId} viewOnly={viewOnly} onDone={() => closeDialog(menuButton.current)} />
        </PanelPopover>
      )}
    </div>
  )
}

interface BoardMenuProps {
  layout: 'narrow' | 'medium' | 'wide'
  name: string
  viewOnly: boolean
  roomId?: string
  buttonRef: React.RefObject<HTMLButtonElement | null>
  onOpenDialog(dialog: PanelDialog): void
  onToggleHistory?(): void
}

/**
 * The board's ⋯ menu: make a copy (opened in this tab) and download as .tldr on the edit link; on
 * narrower screens also rename, your name and colour, and history.
 */
function BoardMenu({ layout, name, viewOnly, roomId, buttonRef, onOpenDialog, onToggleHistory }: BoardMenuProps) {
  const [error, setError] = useState<string | null>(null)
  const narrow = layout === 'narrow'
  const folded = layout !== 'wide'
  if (!roomId && !folded) return null
  const heading = narrow ? (
    <>
      <span className="menu-heading__name" data-testid="menu-board-name">
        {name}
      </span>
      {viewOnly && (
        <span className="badge" data-testid="view-only">
          View only
        </span>
      )}
    </>
  ) : undefined
  return (
    <>
      <MenuButton label="Board menu" testId="board-panel-menu" heading={heading} buttonRef={buttonRef}>
        {(close) => {
          const openDialog = (dialog: PanelDialog) => () => {
            close()
            onOpenDialog(dialog)
          }
          return (
            <>
              {narrow && roomId && (
                <button type="button" role="menuitem" data-testid="rename-board" onClick={openDialog('rename')}>
                  Rename board…
                </button>
              )}
              {folded && (
                <button type="button" role="menuitem" data-testid="identity-menu-item" onClick={openDialog('identity')}>
                  Your name and colour…
                </button>
              )}
              {folded && onToggleHistory && (
                <button
                  type="button"
                  role="menuitem"
                  data-testid="history-menu-item"
                  onClick={() => {
                    close()
                    onToggleHistory()
                  }}
                >
                  History
                </button>
              )}
              {roomId && (
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
            </>
          )
        }}
      </MenuButton>
      {error && (
        <span className="panel-error" role="alert">
          {error}
        </span>
      )}
    </>
  )
}
