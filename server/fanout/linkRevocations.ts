import type { LinkRefusal } from '../storage/roomStore.ts'
import type { PubSub } from './pubSub.ts'

/** Sockets of a room to close: those opened with one of `linkIds` ("board deleted": every socket of the room). */
export interface Revocation {
  roomId: string
  linkIds: string[]
  reason: LinkRefusal
}

/**
 * The one channel every instance subscribes to from its start, not a room's channel: an instance
 * still authenticating a socket of the room (the room not loaded there yet) must hear it too.
 */
const CHANNEL = 'revocations'

/**
 * Closes a revocation's sockets on every instance: on this one at once, on the others through the
 * pub/sub (Redis when scaled out). A revocation published while the broker is unreachable is lost;
 * the sockets it would close stay open, but the links are refused to every new socket (at auth).
 */
export class RevocationRelay {
  constructor(
    private readonly pubsub: PubSub | null,
    /** Closes this instance's sockets of a revocation; returns how many it closed. */
    private readonly closeLocal: (revocation: Revocation) => number,
  ) {
    pubsub?.subscribe(CHANNEL, (data) => this.receive(data))
  }

  /** Closes the revocation's sockets everywhere; returns how many were closed on this instance. */
  revoke(revocation: Revocation): number {
    this.pubsub?.publish(CHANNEL, new TextEncoder().encode(JSON.stringify({ from: this.pubsub.instanceId, ...revocation })))
    return this.closeLocal(revocation)
  }

  private receive(data: Uint8Array): void {
    const message = decodeRevocation(data)
    if (!message || message.from === this.pubsub?.instanceId) return
    this.closeLocal(message.revocation)
  }

  close(): void {
    this.pubsub?.unsubscribe(CHANNEL)
  }
}

/** A published revocation, or null for a message that is not one. */
export function decodeRevocation(data: Uint8Array): { from: string; revocation: Revocation } | null {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(data))
  } catch {
    return null
  }
  const { from, roomId, linkIds, reason } = (value ?? {}) as Record<string, unknown>
  if (typeof from !== 'string' || typeof roomId !== 'string' || !Array.isArray(linkIds) || !linkIds.every((id) => typeof id === 'string')) return null
  if (reason !== 'link revoked' && reason !== 'board deleted') return null
  return { from, revocation: { roomId, linkIds: linkIds as string[], reason } }
}
