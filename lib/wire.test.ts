import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { MessageType } from './protocol.ts'
import {
  EMPTY_STATE_VECTOR,
  EMPTY_UPDATE,
  MalformedFrameError,
  SyncStep,
  decodeFrame,
  encodeAwarenessFrame,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  readAwarenessEntries,
  writeAwarenessEntries,
} from './wire.ts'

/** The frame y-protocols itself writes (what WebsocketProvider sends and reads). */
function yProtocolsFrame(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

function editedDoc(): Y.Doc {
  const doc = new Y.Doc()
  doc.getMap('records').set('shape:a', { id: 'shape:a', x: 1, text: 'é'.repeat(300) })
  return doc
}

describe('lib/wire.ts frames are the y-websocket protocol', () => {
  it('encodes sync step 1, step 2 and updates byte for byte as y-protocols/sync does', () => {
    const doc = editedDoc()
    const update = Y.encodeStateAsUpdate(doc)
    expect(encodeSyncStep1(Y.encodeStateVector(doc))).toEqual(yProtocolsFrame(MessageType.sync, (e) => syncProtocol.writeSyncStep1(e, doc)))
    expect(encodeSyncStep2(update)).toEqual(yProtocolsFrame(MessageType.sync, (e) => syncProtocol.writeSyncStep2(e, doc)))
    expect(encodeSyncUpdate(update)).toEqual(yProtocolsFrame(MessageType.sync, (e) => syncProtocol.writeUpdate(e, update)))
    expect([SyncStep.step1, SyncStep.step2, SyncStep.update]).toEqual([
      syncProtocol.messageYjsSyncStep1,
      syncProtocol.messageYjsSyncStep2,
      syncProtocol.messageYjsUpdate,
    ])
  })

  it('has the empty state vector and empty update Yjs makes for an empty document', () => {
    expect(EMPTY_STATE_VECTOR).toEqual(Y.encodeStateVector(new Y.Doc()))
    expect(EMPTY_UPDATE).toEqual(Y.encodeStateAsUpdate(new Y.Doc()))
  })

  it('decodes what it encodes, payloads as views of the frame', () => {
    const update = Y.encodeStateAsUpdate(editedDoc())
    const frame = encodeSyncUpdate(update)
    const decoded = decodeFrame(frame)
    expect(decoded).toEqual({ type: 'sync', step: SyncStep.update, payload: update })
    expect(decoded.type === 'sync' && decoded.payload.buffer).toBe(frame.buffer)
    expect(decodeFrame(encodeSyncStep1(EMPTY_STATE_VECTOR))).toEqual({ type: 'sync', step: SyncStep.step1, payload: EMPTY_STATE_VECTOR })
    expect(decodeFrame(encodeQueryAwareness())).toEqual({ type: 'query-awareness' })
  })

  it('encodes awareness frames as y-websocket does and reads their entries without parsing the JSON', () => {
    const awareness = new Awareness(new Y.Doc())
    awareness.setLocalState({ cursor: { x: 1, y: 2 }, name: 'Ada' })
    const update = encodeAwarenessUpdate(awareness, [awareness.clientID])
    const frame = encodeAwarenessFrame(update)
    expect(frame).toEqual(yProtocolsFrame(MessageType.awareness, (e) => encoding.writeVarUint8Array(e, update)))
    expect(decodeFrame(frame)).toEqual({ type: 'awareness', update })
    const entries = readAwarenessEntries(update)
    expect(entries).toEqual([{ clientId: awareness.clientID, clock: 1, json: JSON.stringify({ cursor: { x: 1, y: 2 }, name: 'Ada' }) }])
    expect(writeAwarenessEntries(entries)).toEqual(update)
    awareness.destroy()
  })

  it('refuses frames the protocol does not allow with MalformedFrameError', () => {
    const truncated = encodeSyncUpdate(Y.encodeStateAsUpdate(editedDoc())).subarray(0, 20)
    for (const frame of [new Uint8Array(0), Uint8Array.of(MessageType.sync, 7, 0), Uint8Array.of(9), Uint8Array.of(MessageType.auth), truncated]) {
      expect(() => decodeFrame(frame)).toThrow(MalformedFrameError)
    }
    expect(() => readAwarenessEntries(Uint8Array.of(2, 1, 1))).toThrow(MalformedFrameError)
  })
})
