import {
  UserRecordType,
  atom,
  computed,
  createPresenceStateDerivation,
  createTLStore,
  createUserId,
  type Signal,
  type TLAssetStore,
  type TLRecord,
  type TLStore,
  type TLUser,
} from 'tldraw'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { BOARD_RECORDS_MAP, Close, type PresencePeer, type Scope, type ServerControlMessage } from '../protocol.ts'
import { createAuthSocketClass } from './authSocket.ts'
import { LOCAL_STORE_ORIGIN, bindPresenceToAwareness, bindStoreToYRecords, warnSkippedRecord } from './binding.ts'

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

/** What `POST /api/token` answers. */
export interface RoomTokenResponse {
  token: string
  scope: Scope
  room: string
  syncUrl: string
  userId: string
}

/**
 * connecting: never live yet · live: authenticated and syncing · reconnecting: lost the server,
 * edits are kept locally · refused: the server closed for good (e.g. a newer board version: reload).
 */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'refused'

/**
 * saving: the document has local changes no `saved` frame has acknowledged yet · full: the server
 * refused them because the board is at its size limit (close 1009); they stay local and go
 * through on the next reconnect once something is deleted.
 */
export type SaveState = 'saved' | 'saving' | 'full'

export class TokenRequestError extends Error {
  /** The board is gone or the link no longer valid: reconnecting cannot help. */
  readonly permanent: boolean

  constructor(readonly status: number) {
    super(`token request failed with HTTP ${status}`)
    this.permanent = status === 403 || status === 404
  }
}

export async function requestRoomToken(link: BoardLink, identity: GuestIdentity): Promise<RoomTokenResponse> {
  const response = await fetch('/api/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.kind, id: link.id, name: identity.name, color: identity.color }),
  })
  if (!response.ok) throw new TokenRequestError(response.status)
  return (await response.json()) as RoomTokenResponse
}

export interface BoardSession {
  store: TLStore
  doc: Y.Doc
  provider: WebsocketProvider
  scope: Scope
  /** This guest's id (the token's `sub`, from the signed guest cookie). */
  userId: string
  connection: Signal<ConnectionState>
  saveState: Signal<SaveState>
  /** Everyone in the room, from the server's presence frames (authenticated names). */
  peers: Signal<PresencePeer[]>
  /**
   * Ids of document records the editor cannot show (they fail tldraw's validation or the rich-text
   * schema): kept out of the store, left untouched in the shared document.
   */
  skippedRecords: Signal<readonly string[]>
  /** Changes the name and colour others see: presence at once, the server's identity on a fresh token. */
  setIdentity(identity: GuestIdentity): void
  dispose(): void
}

// Tokens are fetched per connection; the first one (fetched to learn the sync URL) is reused if fresh.
const FIRST_TOKEN_REUSE_MS = 30_000

/**
 * Connects a board: fetches a room token, opens the auth-first socket through y-websocket,
 * waits for the first sync, then binds a new tldraw store to the shared Y.Doc and to awareness.
 * Resolves once the store holds the board, so the editor never seeds a page over a remote one.
 */
export async function openBoardSession(
  link: BoardLink,
  initialIdentity: GuestIdentity,
  assets: TLAssetStore,
  signal: AbortSignal,
): Promise<BoardSession> {
  const identity = atom<GuestIdentity>('guest identity', initialIdentity)
  const first = await requestRoomToken(link, initialIdentity)
  let firstToken: { token: string; at: number } | null = { token: first.token, at: Date.now() }
  const scope = first.scope

  const connection = atom<ConnectionState>('connection', 'connecting')
  const saveState = atom<SaveState>('save state', 'saved')
  const peers = atom<PresencePeer[]>('peers', [])

  const onControl = (message: ServerControlMessage) => {
    if (message.type === 'auth-ok') connection.set('live')
    else if (message.type === 'presence') peers.set(message.peers)
  }
  // "All changes saved" only once the server has stored every update this socket sent.
  const onSaved = (allSentAreStored: boolean) => {
    if (allSentAreStored) saveState.set('saved')
  }
  const getToken = async () => {
    if (firstToken && Date.now() - firstToken.at < FIRST_TOKEN_REUSE_MS) {
      const { token } = firstToken
      firstToken = null
      return token
    }
    firstToken = null
    return (await requestRoomToken(link, identity.get())).token
  }

  const identityUserId = createUserId(first.userId)
  const currentUser = computed<TLUser>('current user', () =>
    UserRecordType.create({ id: identityUserId, name: identity.get().name, color: identity.get().color }),
  )
  const store = createTLStore({
    assets,
    users: { currentUser },
    collaboration: {
      status: computed('collaboration status', () => (connection.get() === 'live' ? 'online' : 'offline')),
      mode: atom('collaboration mode', scope === 'view' ? 'readonly' : 'readwrite'),
    },
  })

  const doc = new Y.Doc()
  const provider = new WebsocketProvider(first.syncUrl, first.room, doc, {
    WebSocketPolyfill: createAuthSocketClass({ getToken, onControl, onSaved, schema: store.schema.serialize() }) as unknown as typeof WebSocket,
    // Cross-tab messages would bypass the server and its read-only check.
    disableBc: true,
    maxBackoffTime: 2_000,
  })
  provider.on('status', ({ status }) => {
    if (status === 'disconnected' && connection.get() === 'live') connection.set('reconnecting')
  })
  // y-websocket stops reconnecting after a 44xx close (e.g. 4426: the board needs a newer app).
  provider.on('closed', () => connection.set('refused'))
  provider.on('connection-close', (event) => {
    if (event?.code === Close.docTooLarge.code && event.reason === Close.docTooLarge.reason) saveState.set('full')
  })

  const dispose: (() => void)[] = [() => provider.destroy(), () => doc.destroy()]
  const disposeAll = () => {
    for (const fn of dispose.reverse()) fn()
  }

  try {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      const onSync = (synced: boolean) => {
        if (!synced) return
        provider.off('sync', onSync)
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        provider.off('sync', onSync)
        reject(signal.reason)
      }
      provider.on('sync', onSync)
      signal.addEventListener('abort', onAbort)
    })
  } catch (error) {
    disposeAll()
    throw error
  }

  const yRecords = doc.getMap<TLRecord>(BOARD_RECORDS_MAP)
  const skippedRecords = atom<readonly string[]>('skipped records', [])
  const onSkippedRecord = (id: string, reason: unknown) => {
    warnSkippedRecord(id, reason)
    if (!skippedRecords.get().includes(id)) skippedRecords.set([...skippedRecords.get(), id])
  }
  // A viewer's store never writes to the document: the server would refuse it anyway.
  dispose.push(bindStoreToYRecords(store, yRecords, { readOnly: scope === 'view', onSkippedRecord }))
  const markUnsaved = (_update: Uint8Array, origin: unknown) => {
    if (origin === LOCAL_STORE_ORIGIN && saveState.get() !== 'full') saveState.set('saving')
  }
  doc.on('update', markUnsaved)
  dispose.push(() => doc.off('update', markUnsaved))
  const presence = createPresenceStateDerivation(currentUser)(store)
  dispose.push(bindPresenceToAwareness(store, provider.awareness, presence))

  return {
    store,
    doc,
    provider,
    scope,
    userId: first.userId,
    connection,
    saveState,
    peers,
    skippedRecords,
    setIdentity(next) {
      if (next.name === identity.get().name && next.color === identity.get().color) return
      identity.set(next)
      // The server shows the token's identity: reconnect so it issues presence under the new name.
      provider.disconnect()
      provider.connect()
    },
    dispose: disposeAll,
  }
}
