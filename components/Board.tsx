'use client'

import { getAssetUrls } from '@tldraw/assets/selfHosted'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Tldraw, atom, useValue, type Editor, type TLComponents } from 'tldraw'
import 'tldraw/tldraw.css'
import { createBoardAssetStore } from '@/lib/client/assetStore.ts'
import { BoardOfflineError, openBoardSession, type BoardLink, type BoardSession, type GuestIdentity, type OpeningProgress } from '@/lib/client/boardSession.ts'
import { loadGuestIdentity, saveGuestIdentity } from '@/lib/client/guestIdentity.ts'
import { createGuestTldrawUser } from '@/lib/client/guestTldrawUser.ts'
import { boardExportOverrides } from '@/lib/client/exportNames.ts'
import { dropLocalCopy } from '@/lib/client/localCopy.ts'
import { forgetBoard, rememberBoard } from '@/lib/client/recentBoards.ts'
import { startThumbnailUploads } from '@/lib/client/thumbnails.ts'
import { BoardPanelContext, BoardSharePanel, BoardTopPanel, type BoardPanelProps } from './BoardPanel.tsx'
import HistoryPanel from './HistoryPanel.tsx'
import BoardGoneNotice from './BoardGoneNotice.tsx'
import { ConnectingNotice } from './ConnectionBadge.tsx'
import SkippedRecordsNotice from './SkippedRecordsNotice.tsx'
import type { ShareIds } from './ShareDialog.tsx'

export interface BoardProps {
  link: BoardLink
  name: string
  shareIds: ShareIds
}

declare global {
  interface Window {
    /** The tldraw editor and the shared document, exposed for e2e tests and debugging from the console. */
    editor?: Editor
    boardSession?: BoardSession
  }
}

// Fonts, icons and translations are served by this app from /tldraw (copied by next.config.js).
const assetUrls = getAssetUrls({ baseUrl: '/tldraw' })

// Our panel takes tldraw's share and top slots and holds the people menu (tldraw's only lists active cursors).
const components: TLComponents = { SharePanel: BoardSharePanel, TopPanel: BoardTopPanel, PeopleMenu: null }

// A name typed in tldraw's people menu changes on every key: the server hears it once typing pauses.
const IDENTITY_SETTLE_MS = 600

type LoadState =
  | { status: 'loading' }
  | { status: 'ready'; session: BoardSession }
  | { status: 'error'; message: string; offline: boolean }

/** A board: connects to the sync server, then renders tldraw on the shared store. */
export default function Board(props: BoardProps) {
  // The owner may reset the edit link from this page: the board then goes on under the new link.
  const [current, setCurrent] = useState({ link: props.link, shareIds: props.shareIds, justReset: false })
  const { link, shareIds } = current
  const name = props.name
  // PNG and SVG exports are named after the board (the document's name, else the server's).
  const overrides = useMemo(() => boardExportOverrides((editor) => editor.getDocumentSettings().name.trim() || name), [name])
  const [state, setState] = useState<LoadState>({ status: 'loading' })
  // While the board opens: the connection's state and the sync server's URL, for the loading screen.
  const [opening, setOpening] = useState<OpeningProgress | null>(null)
  // Your name and colour: our panel and tldraw's user preferences both read and change this one value.
  const [identity] = useState(() => atom<GuestIdentity>('guest identity', loadGuestIdentity()))
  const personName = useValue('person name', () => identity.get().name, [identity])
  const identityTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const [liveEditor, setLiveEditor] = useState<Editor | null>(null)
  const [historyOpen, setHistoryOpen] = useState(false)
  const toggleHistory = useCallback(() => setHistoryOpen((open) => !open), [])
  // Bumped to try opening again (back online after failing offline).
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    rememberBoard({ kind: link.kind, id: link.id, name })
  }, [link.kind, link.id, name])

  useEffect(() => {
    const abort = new AbortController()
    let session: BoardSession | null = null
    openBoardSession(link, identity.get(), createBoardAssetStore(link), abort.signal, setOpening).then(
      (opened) => {
        if (abort.signal.aborted) return opened.dispose()
        session = opened
        window.boardSession = opened
        setState({ status: 'ready', session: opened })
      },
      (error: unknown) => {
        if (abort.signal.aborted) return
        setState({ status: 'error', message: error instanceof Error ? error.message : String(error), offline: error instanceof BoardOfflineError })
      },
    )
    return () => {
      abort.abort()
      session?.dispose()
    }
  }, [link, attempt, identity])

  // A board that could not open offline opens by itself when the network is back.
  const offlineError = state.status === 'error' && state.offline
  useEffect(() => {
    if (!offlineError) return
    const retry = () => {
      setState({ status: 'loading' })
      setAttempt((n) => n + 1)
    }
    window.addEventListener('online', retry)
    return () => window.removeEventListener('online', retry)
  }, [offlineError])

  const session = state.status === 'ready' ? state.session : null

  /** Shows a new name or colour at once and saves it; the server gets it now, or once changes settle. */
  const changeIdentity = useCallback(
    (next: GuestIdentity, when: 'now' | 'settled') => {
      identity.set(next)
      saveGuestIdentity(next)
      if (identityTimer.current) clearTimeout(identityTimer.current)
      identityTimer.current = null
      if (when === 'now') session?.setIdentity(next)
      else identityTimer.current = setTimeout(() => session?.setIdentity(identity.get()), IDENTITY_SETTLE_MS)
    },
    [identity, session],
  )
  useEffect(() => () => {
    if (identityTimer.current) clearTimeout(identityTimer.current)
  }, [])
  // tldraw's user is the guest: its people menu, cursors and follow show and edit the same identity.
  const user = useMemo(() => session && createGuestTldrawUser(session.userId, identity, (next) => changeIdentity(next, 'settled')), [session, identity, changeIdentity])

  // The thumbnail on the home page follows this editor's own edits (lib/client/thumbnails.ts).
  useEffect(() => {
    if (!liveEditor || !session || session.scope !== 'edit' || !shareIds.roomId) return
    return startThumbnailUploads(liveEditor, session, shareIds.roomId)
  }, [liveEditor, session, shareIds.roomId])

  const onLinksReset = useCallback(
    (kind: 'edit' | 'view', ids: { roomId: string; viewId: string }) => {
      if (kind === 'view') return setCurrent((now) => ({ ...now, shareIds: { ...now.shareIds, viewId: ids.viewId } }))
      const old = link
      window.history.replaceState(null, '', `/b/${ids.roomId}`)
      forgetBoard(old)
      setLiveEditor(null)
      setState({ status: 'loading' })
      setCurrent({ link: { kind: 'b', id: ids.roomId }, shareIds: { roomId: ids.roomId, viewId: ids.viewId }, justReset: true })
      // The old link's copy on this device is of no use any more: deleted once its session closes it.
      void dropLocalCopy(old)
    },
    [link],
  )
  // History is for the edit link only: the view page never knows the room id the API needs.
  const historyRoomId = session?.scope === 'edit' ? shareIds.roomId : undefined
  const panel = useMemo<BoardPanelProps | null>(
    () =>
      session && {
        session,
        boardName: name,
        shareIds,
        identity,
        onIdentityChange: (next) => changeIdentity(next, 'now'),
        onToggleHistory: historyRoomId ? toggleHistory : undefined,
        onLinksReset,
        shareOpen: current.justReset,
      },
    [session, name, shareIds, identity, changeIdentity, historyRoomId, toggleHistory, onLinksReset, current.justReset],
  )

  if (state.status === 'error') {
    return (
      <main className="error-page" data-testid="board-error">
        <h1>{state.offline ? 'You are offline' : 'Could not open this board'}</h1>
        <p className="muted">{state.message}</p>
      </main>
    )
  }
  if (!session || !panel || !user) return <ConnectingNotice progress={opening} />

  return (
    <div className="board">
      <BoardPanelContext.Provider value={panel}>
        <Tldraw
          store={session.store}
          user={user}
          assetUrls={assetUrls}
          licenseKey={process.env.NEXT_PUBLIC_TLDRAW_LICENSE_KEY}
          components={components}
          overrides={overrides}
          onMount={(editor) => {
            performance.mark('board:editor-mounted')
            window.editor = editor
            setLiveEditor(editor)
            // Boards made before the name lived in the document (or never renamed) get it there, so
            // every client and tldraw's own export menu (it names files after it) have the name.
            if (session.scope === 'edit' && !editor.getDocumentSettings().name.trim()) {
              editor.run(() => editor.updateDocumentSettings({ name }), { history: 'ignore' })
            }
          }}
        />
      </BoardPanelContext.Provider>
      {historyOpen && historyRoomId && liveEditor && (
        <HistoryPanel roomId={historyRoomId} live={liveEditor} personName={personName} onClose={() => setHistoryOpen(false)} />
      )}
      <SkippedRecordsNotice session={session} />
      <BoardGoneNotice session={session} />
    </div>
  )
}
