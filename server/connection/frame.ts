/**
 * WebSocket frames made once for many sockets. A broadcast is the same message to every peer of
 * a room: framing it once (with ws's own framer) and writing the finished frame to each socket
 * skips ws's per-send work (a header allocation and a corked pair of writes per socket, about a
 * third of a big room's send cost).
 *
 * The one ws assumption this rests on: a frame written to the socket ws speaks on (`ws._socket`,
 * the socket handed to handleUpgrade) lands in order with ws's own frames only while ws's sender
 * holds nothing back (its `_queue` empty, its `_state` idle): ws then writes every frame it is
 * given to the socket at once. Its sender queues only while it compresses a message or reads a
 * Blob, so the server turns permessage-deflate off (server/http/syncServer.ts) and never sends
 * Blobs. Canary: frame.test.ts, "ws's sender queues nothing …".
 */
import * as ws from 'ws'

/** ws's framer, which @types/ws does not declare: the header and the payload, unmasked for a server. */
interface WsFramer {
  frame(data: Buffer | string, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[]
}
const { Sender } = ws as unknown as { Sender: WsFramer }

const OPCODE_TEXT = 0x1
const OPCODE_BINARY = 0x2

/** Messages up to this size are framed once and shared; larger ones go through ws (no copy). */
export const SHARED_FRAME_MAX_BYTES = 64 * 1024

/** One complete, unfragmented, unmasked frame carrying `data` (a text frame for a string), as one buffer. */
export function frameMessage(data: Uint8Array | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const opcode = typeof data === 'string' ? OPCODE_TEXT : OPCODE_BINARY
  return Buffer.concat(Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: true, rsv1: false }))
}

let lastMessage: Uint8Array | string | null = null
let lastFrame: Buffer | null = null

/**
 * The shared frame of `data` when the same message is being sent to one socket after another (a
 * room's broadcast loop), or null for a message's first recipient: a message sent to one socket
 * only goes through ws, without a copy into a frame.
 */
export function sharedFrame(data: Uint8Array | string): Buffer | null {
  if (data !== lastMessage) {
    lastMessage = data
    lastFrame = null
    return null
  }
  lastFrame ??= frameMessage(data)
  return lastFrame
}
