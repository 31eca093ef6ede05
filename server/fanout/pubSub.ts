/**
 * Cross-instance fan-out: several sync servers serve one room through a pub/sub channel per
 * room (Redis in production). Each instance publishes what its own clients send; every update
 * is stored by the instance that received it from its client, and the others keep it as
 * "unconfirmed" until that instance says it is stored, so an instance that dies loses nothing.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import type { PresencePeer } from '../../lib/protocol.ts'

/** The transport: publish and subscribe to byte messages on named channels. */
export interface PubSub {
  readonly instanceId: string
  subscribe(channel: string, onMessage: (message: Uint8Array) => void): void
  unsubscribe(channel: string): void
  publish(channel: string, message: Uint8Array): void
  /** Called after the connection to the broker came back (missed messages must be repaired). */
  onReconnect(listener: () => void): void
  close(): Promise<void>
}

export type FanoutMessage =
  | { type: 'update'; seq: number; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'sync-request'; stateVector: Uint8Array }
  | { type: 'sync-reply'; to: string; seq: number; update: Uint8Array; stateVector: Uint8Array }
  | { type: 'presence'; peers: PresencePeer[] }
  | { type: 'persisted'; seq: number }
  | { type: 'bye' }

const TYPE_CODES = ['update', 'awareness', 'sync-request', 'sync-reply', 'presence', 'persisted', 'bye'] as const

export function encodeFanoutMessage(from: string, message: FanoutMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, from)
  encoding.writeVarUint(encoder, TYPE_CODES.indexOf(message.type))
  switch (message.type) {
    case 'update':
      encoding.writeVarUint(encoder, message.seq)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'awareness':
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'sync-request':
      encoding.writeVarUint8Array(encoder, message.stateVector)
      break
    case 'sync-reply':
      encoding.writeVarString(encoder, message.to)
      encoding.writeVarUint(encoder, message.seq)
      encoding.writeVarUint8Array(encoder, message.update)
      encoding.writeVarUint8Array(encoder, message.stateVector)
      break
    case 'presence':
      encoding.writeVarString(encoder, JSON.stringify(message.peers))
      break
    case 'persisted':
      encoding.writeVarUint(encoder, message.seq)
      break
    case 'bye':
      break
  }
  return encoding.toUint8Array(encoder)
}

export function decodeFanoutMessage(data: Uint8Array): { from: string; message: FanoutMessage } {
  const decoder = decoding.createDecoder(data)
  const from = decoding.readVarString(decoder)
  const type = TYPE_CODES[decoding.readVarUint(decoder)]
  switch (type) {
    case 'update':
      return { from, message: { type, seq: decoding.readVarUint(decoder), update: decoding.readVarUint8Array(decoder) } }
    case 'awareness':
      return { from, message: { type, update: decoding.readVarUint8Array(decoder) } }
    case 'sync-request':
      return { from, message: { type, stateVector: decoding.readVarUint8Array(decoder) } }
    case 'sync-reply':
      return {
        from,
        message: {
          type,
          to: decoding.readVarString(decoder),
          seq: decoding.readVarUint(decoder),
          update: decoding.readVarUint8Array(decoder),
          stateVector: decoding.readVarUint8Array(decoder),
        },
      }
    case 'presence':
      return { from, message: { type, peers: JSON.parse(decoding.readVarString(decoder)) as PresencePeer[] } }
    case 'persisted':
      return { from, message: { type, seq: decoding.readVarUint(decoder) } }
    case 'bye':
      return { from, message: { type } }
    default:
      throw new Error('unknown fan-out message')
  }
}
