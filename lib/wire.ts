/**
 * Every binary frame of the y-websocket protocol, encoded and decoded in one place: the sync
 * server, the tests and the benchmark clients build and read frames only through this module
 * (the browser's provider speaks the same format through y-websocket itself). Frame layout:
 * `varUint messageType` then, for sync, `varUint step, varUint8Array payload`; for awareness,
 * `varUint8Array awarenessUpdate` (docs/protocol.md).
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType } from './protocol.ts'

/** The sync steps of y-protocols/sync (its `messageYjsSyncStep1`, `…Step2`, `…Update`). */
export const SyncStep = {
  step1: 0,
  step2: 1,
  update: 2,
} as const
export type SyncStep = (typeof SyncStep)[keyof typeof SyncStep]

/** A decoded binary frame. Payloads are views into the frame's bytes (no copy). */
export type WireFrame =
  | { type: 'sync'; step: SyncStep; payload: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' }

/** A frame that does not follow the protocol; the server answers it with 1002. */
export class MalformedFrameError extends Error {
  constructor(message = 'malformed frame') {
    super(message)
  }
}

/** The empty state vector a client with no document sends in its sync step 1. */
export const EMPTY_STATE_VECTOR = new Uint8Array([0])

/** The update of an empty document: a step 2 that carries nothing (no structs, no deletions). */
export const EMPTY_UPDATE = new Uint8Array([0, 0])

/**
 * A sync frame. The header is written by lib0 and the payload appended with one native copy:
 * lib0's encoder would copy a multi-MB payload through its growing buffers.
 */
export function encodeSyncFrame(step: SyncStep, payload: Uint8Array): Uint8Array {
  const header = encoding.createEncoder()
  encoding.writeVarUint(header, MessageType.sync)
  encoding.writeVarUint(header, step)
  encoding.writeVarUint(header, payload.byteLength)
  const head = encoding.toUint8Array(header)
  const frame = new Uint8Array(head.byteLength + payload.byteLength)
  frame.set(head, 0)
  frame.set(payload, head.byteLength)
  return frame
}

/** Sync step 1: "here is my state vector, send me what I lack". */
export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array => encodeSyncFrame(SyncStep.step1, stateVector)

/** Sync step 2: the answer to a step 1 (an update with what the asker lacked). */
export const encodeSyncStep2 = (update: Uint8Array): Uint8Array => encodeSyncFrame(SyncStep.step2, update)

/** A live document update. */
export const encodeSyncUpdate = (update: Uint8Array): Uint8Array => encodeSyncFrame(SyncStep.update, update)

/** An awareness frame carrying an awareness update (y-protocols/awareness `encodeAwarenessUpdate`). */
export function encodeAwarenessFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.awareness)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Asks the server for every awareness state it holds. */
export function encodeQueryAwareness(): Uint8Array {
  return Uint8Array.of(MessageType.queryAwareness)
}

/** Decodes one binary frame; throws MalformedFrameError for anything the protocol does not allow. */
export function decodeFrame(frame: Uint8Array): WireFrame {
  try {
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MessageType.sync: {
        const step = decoding.readVarUint(decoder)
        if (step !== SyncStep.step1 && step !== SyncStep.step2 && step !== SyncStep.update) break
        return { type: 'sync', step, payload: decoding.readVarUint8Array(decoder) }
      }
      case MessageType.awareness:
        return { type: 'awareness', update: decoding.readVarUint8Array(decoder) }
      case MessageType.queryAwareness:
        return { type: 'query-awareness' }
    }
  } catch {
    throw new MalformedFrameError()
  }
  throw new MalformedFrameError('unknown message type')
}

/** One client's entry in an awareness update: its id, the clock of its state, and the state as JSON. */
export interface AwarenessEntry {
  clientId: number
  clock: number
  json: string
}

/** The entries of an awareness update, without parsing their JSON. Throws MalformedFrameError. */
export function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      entries.push({ clientId: decoding.readVarUint(decoder), clock: decoding.readVarUint(decoder), json: decoding.readVarString(decoder) })
    }
    return entries
  } catch {
    throw new MalformedFrameError()
  }
}

/** An awareness update holding the given entries (the inverse of readAwarenessEntries). */
export function writeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.json)
  }
  return encoding.toUint8Array(encoder)
}
