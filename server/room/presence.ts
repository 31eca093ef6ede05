import type { PresenceMessage, PresencePeer } from '../../lib/protocol.ts'
import type { RoomLink } from '../fanout/roomLink.ts'
import type { RoomPeer } from './peer.ts'

/** What presence needs of the room's link to other instances. */
export type PresenceLink = Pick<RoomLink, 'pruneExpired' | 'publishPresence' | 'remotePeers'>

/**
 * Who is in a room, as its peers are told: the authenticated identities of this instance's peers
 * and, scaled out, of the other instances' peers, grouped by user.
 */
export class RoomPresence {
  constructor(
    private readonly peers: ReadonlySet<RoomPeer>,
    private readonly link: PresenceLink | null,
  ) {}

  /** The presence heartbeat: tells the other instances who is here, and every peer who is in the room. */
  announce(): void {
    if (this.link) {
      this.link.pruneExpired()
      this.link.publishPresence(groupByUser(this.localPeers()))
    }
    this.broadcast()
  }

  /** Sends every peer the room's presence, encoded once. */
  broadcast(): void {
    if (this.peers.size === 0) return
    const message = JSON.stringify(this.message())
    for (const peer of this.peers) peer.send(message)
  }

  message(): PresenceMessage {
    const peers = this.localPeers()
    if (this.link) peers.push(...this.link.remotePeers())
    return { type: 'presence', peers: groupByUser(peers), at: Date.now() }
  }

  private localPeers(): PresencePeer[] {
    return Array.from(this.peers, (peer) => ({ ...peer.user, scope: peer.scope, connections: 1 }))
  }
}

/** One entry per user: a user with several sockets (tabs, instances) counts them; edit wins over view. */
export function groupByUser(peers: PresencePeer[]): PresencePeer[] {
  const byUser = new Map<string, PresencePeer>()
  for (const peer of peers) {
    const known = byUser.get(peer.id)
    if (known) {
      known.connections += peer.connections
      if (peer.scope === 'edit') known.scope = 'edit'
    } else {
      byUser.set(peer.id, { ...peer })
    }
  }
  return Array.from(byUser.values())
}
