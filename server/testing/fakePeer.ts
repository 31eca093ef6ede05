import type { CloseReason, PeerIdentity, Scope } from '../../lib/protocol.ts'
import { closeReasonFor } from '../connection/closeReasons.ts'
import type { RoomPeer } from '../room/peer.ts'

/** A RoomPeer that records what the room sent it and how it was ended (as the close its client would get). */
export interface FakePeer extends RoomPeer {
  readonly sent: (Uint8Array | string)[]
  readonly closed: CloseReason[]
}

/** A peer for tests of the room and its collaborators, without a socket. */
export function fakePeer(id: string, { scope = 'edit', user = { id, name: id, color: '#000000' } }: { scope?: Scope; user?: PeerIdentity } = {}): FakePeer {
  const sent: (Uint8Array | string)[] = []
  const closed: CloseReason[] = []
  return { id, user, scope, bufferedBytes: 0, sent, closed, send: (data) => sent.push(data), end: (error) => closed.push(closeReasonFor(error)) }
}
