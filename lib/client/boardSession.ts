import {
  UserRecordType,
  atom,
  computed,
  createPresenceStateDerivation,
  createTLStore,
  createUserId,
  react,
  type Signal,
  type TLAssetStore,
  type TLRecord,
  type TLStore,
  type TLUser,
} from 'tldraw'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP, Close, type PresencePeer, type Scope, type ServerControlMessage } from '../protocol.ts'
import { TOKEN_REFUSED_CLOSE, createAuthSocketClass } from './authSocket.ts'
import { trackConnection } from './boardStatus.ts'
import { LOCAL_STORE_ORIGIN, bindPresenceToAwareness, bindStoreToYRecords, warnSkippedRecord } from './binding.ts'
import { dropLocalCopy, openLocalCopy, type LocalCopy } from './localCopy.ts'
import { TokenRequestError, requestRoomToken, takeRoomToken, type RoomTokenResponse } from './roomToken.ts'
import { forgetPageForOffline } from './offlineShell.ts'
import { forgetBoard } from './recentBoards.ts'
import { startTabSync } from './tabSync.ts'

/** Which link opened the board: `b` (edit, carries the room id) or `v` (view-only, carries the view id). */
export type LinkKind = 'b' | 'v'

export interface BoardLink {
  kind: LinkKind
  id: string
}

/** The name and colour a guest chose; remembered in localStorage and sent with each token request. */
export interface GuestIdentity {
  name: string
  color: string
}

/**
 * connecting: never live yet · live: authenticated and syncing · offline: the browser has no
 * network (changes are kept on this device) · reconnecting: the network is there but the server is
 * not, changes are kept · unreachable: connecting or reconnecting has failed for
 * UNREACHABLE_AFTER_MS (boardStatus.ts) · refused: the server closed for good (e.g. a newer board
 * version: reload) · gone: the board was deleted or its link reset; the copy on this device was removed.
 */
export type ConnectionState = 'connecting' | 'live' | 'offline' | 'reconnecting' | 'unreachable' | 'refused' | 'gone'

/** What the page can show while a board opens (before `openBoardSession` resolves): the connection and where it leads. */
export interface OpeningProgress {
  connection: ConnectionState
  /** The sync server's URL from the first room token; null until it arrives. */
  syncUrl: string | null
}

/**
 * saving: the document has local changes no `saved` frame has acknowledged yet · full: the server
 * refused them because the board is at its size limit (close 1009); they stay local and go
 * through on the next reconnect once something is deleted.
 */
export type SaveState = 'saved' | 'saving' | 'full'

/** The board cannot open: the browser is offline and holds no copy of it. */
export class BoardOfflineError extends Error {
  constructor() {
    super('You are offline, and this board has not been opened on this device yet. It opens when you are back online.')
  }
}

export interface BoardSession {
  store: TLStore
  doc: Y.Doc
  /** The sync connection; null until the first token arrives (a board opened offline from its local copy). */
  readonly provider: WebsocketProvider | null
  scope: Scope
  /** This guest's id (the token's `sub`, from the signed guest cookie). */
  userId: string
  connection: Signal<ConnectionState>
  /** The sync server's URL from the room token (what the badge names when it cannot be reached); null until a token arrives. */
  syncUrl: Signal<string | null>
  saveState: Signal<SaveState>
  /** The board's copy in this browser, with the changes the server has not acknowledged yet. */
  local: LocalCopy
  /** Everyone in the room, from the server's presence frames (authenticated names). */
  peers: Signal<PresencePeer[]>
  /**
   * Ids of document records the editor cannot show (they fail tldraw's validation or the rich-text
   * schema): kept out of the store, left untouched in the shared document.
   */
  skippedRecords: Signal<readonly string[]>
  /**
   * Why the board is gone for this link, from the server's close reason: `link revoked` (the owner
   * reset the link) or `board deleted` (moved to the trash); null while it is not gone, or when the
   * server only said it does not know the link (the board was deleted for good, or a token was refused).
   */
  goneReason: Signal<GoneReason | null>
  /** Changes the name and colour others see: presence at once, the server's identity on a fresh token. */
  setIdentity(identity: GuestIdentity): void
  /**
   * This page is about to reset its own edit link: the close that follows (4410 `link revoked`) must
   * not drop the board. Returns a function that undoes it (the reset failed); on success, dispose
   * the session and open the new link.
   */
  expectLinkReset(): () => void
  dispose(): void
}

// Tokens are fetched per connection; the first one (fetched to learn the sync URL) is reused if fresh.
const FIRST_TOKEN_REUSE_MS = 30_000
// Between failed first-token requests (the browser's `online` event retries at once).
const TOKEN_RETRY_MS = [1_000, 2_000, 5_000, 10_000]
// A ping every this often while the tab is visible: a silent socket is closed after two unanswered ones (authSocket.ts).
const PROBE_MS = 3_000
// The server's close codes after which the board is gone for this link: its copy here is dropped.
const GONE_CLOSE_CODES: readonly number[] = [TOKEN_REFUSED_CLOSE, Close.linkRevoked.code]

/** The reasons a 4410 close gives (lib/protocol.ts), or `unknown` (a refused token: the board was deleted for good). */
export type GoneReason = 'link revoked' | 'board deleted' | 'unknown'

/** The reason a gone board shows for a close: the server's 4410 reason, else unknown. */
export function goneReasonOf(code: number, reason: string): GoneReason {
  if (code === Close.linkRevoked.code && (reason === Close.linkRevoked.reason || reason === Close.boardDeleted.reason)) return reason
  return 'unknown'
}

/** A performance mark `board:<step>` of the opening (read by e2e/measure/second-open.spec.ts; visible in DevTools' performance panel). */
function mark(step: string): void {
  globalThis.performance?.mark?.(`board:${step}`)
}

function browserIsOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false
}

/** Resolves after `ms`, or at once when the browser comes back online or `signal` aborts. */
function retryDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      window.removeEventListener('online', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    window.addEventListener('online', done)
    signal.addEventListener('abort', done)
  })
}

/**
 * Opens a board. The board's copy in this browser (IndexedDB) is read first: when it holds the
 * board, the store is bound to it at once and the editor shows it before any network answer,
 * while the token, the socket and the first sync happen behind it and merge what others did. A
 * board never synced on this device waits for the first sync instead, so the editor never seeds a
 * page over a remote one; offline, it fails with BoardOfflineError. Every change is written to the
 * copy, so edits made offline survive a reload or a closed tab and reach the server on the next
 * connection; tabs of the same board share changes directly (tabSync.ts). `onOpening` receives
 * the connection state and the sync URL at once and on every change until the promise settles.
 */
export async function openBoardSession(
  link: BoardLink,
  initialIdentity: GuestIdentity,
  assets: TLAssetStore,
  signal: AbortSignal,
  onOpening?: (progress: OpeningProgress) => void,
): Promise<BoardSession> {
  const identity = atom<GuestIdentity>('guest identity', initialIdentity)
  const readOnlyLink = link.kind === 'v'
  const doc = new Y.Doc()
  // A view-only copy keeps only what came from the server: it never holds edits to send.
  mark('open')
  const local = await openLocalCopy(link, doc, readOnlyLink ? { keepOrigin: (origin) => origin instanceof WebsocketProvider } : {})
  mark('local-copy-read')
  const dispose: (() => void)[] = [() => doc.destroy(), () => void local.close()]
  const disposeAll = () => {
    for (const fn of dispose.reverse()) fn()
    dispose.length = 0
  }
  const lifetime = new AbortController()
  dispose.push(() => lifetime.abort())
  const stop = AbortSignal.any([signal, lifetime.signal])

  const connection = atom<ConnectionState>('connection', browserIsOffline() ? 'offline' : 'connecting')
  // Every change of state goes through the tracker, which turns long failed attempts into 'unreachable'.
  const tracker = trackConnection(connection.get(), (state) => connection.set(state), { armed: false })
  dispose.push(() => tracker.dispose())
  const syncUrl = atom<string | null>('sync url', null)
  let stopOpeningProgress = onOpening
    ? react('opening progress', () => onOpening({ connection: connection.get(), syncUrl: syncUrl.get() }))
    : () => {}
  const openingDone = () => {
    stopOpeningProgress()
    stopOpeningProgress = () => {}
  }
  dispose.push(openingDone)
  const saveState = atom<SaveState>('save state', local.pending.get().size > 0 ? 'saving' : 'saved')
  const peers = atom<PresencePeer[]>('peers', [])
  const goneReason = atom<GoneReason | null>('gone reason', null)
  // A board that is gone can no longer be edited: the store goes read-only.
  const mode = atom<'readonly' | 'readwrite'>('collaboration mode', readOnlyLink ? 'readonly' : 'readwrite')
  let resettingOwnLink = false

  // The first token: retried while the network or the app is unreachable, refused for good when the board is gone.
  const firstToken = (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        // The first attempt takes the request the page made while this code was downloading.
        const token = await (attempt === 0 ? takeRoomToken(link, identity.get()) : requestRoomToken(link, identity.get()))
        mark('token')
        syncUrl.set(token.syncUrl)
        return token
      } catch (error) {
        if (error instanceof TokenRequestError && error.permanent) throw error
        if (stop.aborted) throw stop.reason
        if (connection.get() !== 'refused') tracker.set(browserIsOffline() || !(error instanceof TokenRequestError) ? 'offline' : 'reconnecting')
        await retryDelay(TOKEN_RETRY_MS[Math.min(attempt, TOKEN_RETRY_MS.length - 1)]!, stop)
      }
    }
  })()
  firstToken.catch(() => {})

  const renderLocally = local.meta !== null && local.recordCount > 0
  let first: RoomTokenResponse | null = null
  if (!renderLocally) {
    try {
      // Offline with no copy: say so at once rather than wait for a network that is not there.
      let stopWatching = () => {}
      const offline = new Promise<never>((_, reject) => {
        stopWatching = react('offline without a copy', () => {
          if (connection.get() === 'offline') reject(new BoardOfflineError())
        })
      })
      try {
        first = await Promise.race([firstToken, offline])
      } finally {
        stopWatching()
      }
    } catch (error) {
      disposeAll()
      if (error instanceof TokenRequestError && error.permanent) await dropLocalCopy(link)
      throw error
    }
  }
  const userId = first?.userId ?? local.meta!.userId
  const scope: Scope = first?.scope ?? (readOnlyLink ? 'view' : 'edit')

  const identityUserId = createUserId(userId)
  const currentUser = computed<TLUser>('current user', () =>
    UserRecordType.create({ id: identityUserId, name: identity.get().name, color: identity.get().color }),
  )
  const store = createTLStore({
    assets,
    users: { currentUser },
    collaboration: {
      status: computed('collaboration status', () => (connection.get() === 'live' ? 'online' : 'offline')),
      mode,
    },
  })

  if (scope === 'view') mode.set('readonly')
  const boardGone = (reason: GoneReason) => {
    goneReason.set(reason)
    mode.set('readonly')
    tracker.set('gone')
    provider?.disconnect()
    forgetBoard(link)
    void forgetPageForOffline()
    void local.drop()
  }
  const onControl = (message: ServerControlMessage) => {
    if (message.type === 'auth-ok') tracker.set('live')
    else if (message.type === 'presence') peers.set(message.peers)
  }
  // "All changes saved" only once the server has stored every update this socket sent: every
  // change this browser holds, its copy's earlier sessions included (they go in the sync reply).
  const onSaved = (allSentAreStored: boolean) => {
    if (!allSentAreStored || saveState.get() === 'full') return
    saveState.set('saved')
    local.clearPending()
  }

  let provider: WebsocketProvider | null = null
  const connect = (token: RoomTokenResponse) => {
    let firstTokenValue: { token: string; at: number } | null = { token: token.token, at: Date.now() }
    const getToken = async () => {
      if (firstTokenValue && Date.now() - firstTokenValue.at < FIRST_TOKEN_REUSE_MS) {
        const value = firstTokenValue.token
        firstTokenValue = null
        return value
      }
      firstTokenValue = null
      return (await requestRoomToken(link, identity.get())).token
    }
    const opened = new WebsocketProvider(token.syncUrl, token.room, doc, {
      WebSocketPolyfill: createAuthSocketClass({ getToken, onControl, onSaved, schema: store.schema.serialize(), probeMs: PROBE_MS }) as unknown as typeof WebSocket,
      // Cross-tab messages would bypass the server and its read-only check (tabSync.ts shares edits between edit tabs).
      disableBc: true,
      maxBackoffTime: 2_000,
    })
    opened.on('status', ({ status }) => {
      if (status === 'disconnected' && connection.get() === 'live') tracker.set(browserIsOffline() ? 'offline' : 'reconnecting')
    })
    opened.on('connection-close', (event) => {
      if (event?.code === Close.docTooLarge.code && event.reason === Close.docTooLarge.reason) saveState.set('full')
    })
    // y-websocket stops reconnecting after a 44xx close: 4426 asks for a newer app (the copy here
    // is kept and syncs after the reload); a board that is gone drops its copy.
    opened.on('closed', (event) => {
      if (resettingOwnLink && event.code === Close.linkRevoked.code && event.reason === Close.linkRevoked.reason) tracker.set('reconnecting')
      else if (GONE_CLOSE_CODES.includes(event.code)) boardGone(goneReasonOf(event.code, event.reason))
      else tracker.set('refused')
    })
    // Each completed sync means the copy here holds everything the server has.
    opened.on('sync', (synced) => {
      if (synced) mark('synced')
      if (synced) void local.setMeta({ userId: token.userId, syncedAt: Date.now(), schema: store.schema.serialize() })
    })
    dispose.push(() => opened.destroy())
    provider = opened
    // A token arrived, so the network works, whatever failed requests said before.
    if (connection.get() === 'offline' && !browserIsOffline()) tracker.set('connecting')
    tracker.arm()
    return opened
  }

  // The browser knows first: close the socket when it goes offline (a socket left open would sit
  // half-open until the heartbeat gives up) and connect again as soon as it is back.
  const onOffline = () => {
    if (connection.get() !== 'refused' && connection.get() !== 'gone') tracker.set('offline')
    provider?.disconnect()
  }
  const onOnline = () => {
    if (connection.get() !== 'offline') return
    tracker.set(provider ? 'reconnecting' : 'connecting')
    provider?.connect()
  }
  window.addEventListener('offline', onOffline)
  window.addEventListener('online', onOnline)
  dispose.push(() => {
    window.removeEventListener('offline', onOffline)
    window.removeEventListener('online', onOnline)
  })

  if (first) {
    const opened = connect(first)
    try {
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason)
        const onSync = (synced: boolean) => {
          if (!synced) return
          opened.off('sync', onSync)
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        const onAbort = () => {
          opened.off('sync', onSync)
          reject(signal.reason)
        }
        opened.on('sync', onSync)
        signal.addEventListener('abort', onAbort)
      })
    } catch (error) {
      disposeAll()
      throw error
    }
  } else {
    firstToken.then(
      (token) => {
        if (!stop.aborted) connect(token)
      },
      (error: unknown) => {
        if (error instanceof TokenRequestError && error.permanent && !stop.aborted) boardGone('unknown')
      },
    )
  }

  const yRecords = doc.getMap<TLRecord>(BOARD_RECORDS_MAP)
  const skippedRecords = atom<readonly string[]>('skipped records', [])
  const onSkippedRecord = (id: string, reason: unknown) => {
    warnSkippedRecord(id, reason)
    if (!skippedRecords.get().includes(id)) skippedRecords.set([...skippedRecords.get(), id])
  }
  // A viewer's store never writes to the document: the server would refuse it anyway.
  dispose.push(bindStoreToYRecords(store, yRecords, { readOnly: scope === 'view', onSkippedRecord }))
  mark('store-bound')
  if (scope === 'edit') dispose.push(startTabSync(`whiteboard-tabs:${link.kind}:${link.id}`, doc))
  const markUnsaved = (transaction: Y.Transaction) => {
    if (transaction.origin !== LOCAL_STORE_ORIGIN) return
    const changed = [...transaction.changed].find(([type]) => type === (yRecords as unknown))?.[1]
    if (!changed || changed.size === 0) return
    local.addPending([...changed].filter((key): key is string => key !== null))
    if (saveState.get() !== 'full') saveState.set('saving')
  }
  doc.on('afterTransaction', markUnsaved)
  dispose.push(() => doc.off('afterTransaction', markUnsaved))
  const presence = createPresenceStateDerivation(currentUser)(store)
  // Presence rides on the provider's awareness: bound once the provider exists.
  const bindPresence = (opened: WebsocketProvider) => dispose.push(bindPresenceToAwareness(store, opened.awareness, presence))
  if (provider) bindPresence(provider)
  else firstToken.then(() => provider && !stop.aborted && bindPresence(provider), () => {})

  openingDone()
  return {
    store,
    doc,
    get provider() {
      return provider
    },
    scope,
    userId,
    connection,
    syncUrl,
    saveState,
    local,
    peers,
    skippedRecords,
    goneReason,
    expectLinkReset() {
      resettingOwnLink = true
      return () => {
        resettingOwnLink = false
        if (connection.get() === 'reconnecting' || connection.get() === 'unreachable') provider?.connect()
      }
    },
    setIdentity(next) {
      if (next.name === identity.get().name && next.color === identity.get().color) return
      identity.set(next)
      // The server shows the token's identity: reconnect so it issues presence under the new name.
      if (provider) {
        provider.disconnect()
        provider.connect()
      }
    },
    dispose: disposeAll,
  }
}
