import type { PeerIdentity, Scope } from '../../lib/protocol.ts'

/** A connection as the room sees it: the room never touches the socket library. */
export interface RoomPeer {
  readonly id: string
  readonly user: PeerIdentity
  readonly scope: Scope
  /** Bytes handed to the socket and not yet taken by the kernel. */
  readonly bufferedBytes: number
  send(data: Uint8Array | string): void
  /**
   * Ends the peer's connection because of a domain error (the room calls it when its stored
   * document turns out unreadable); the connection picks the close code (server/connection/closeReasons.ts).
   */
  end(error: Error): void
}
