/**
 * WebSocket frames made once for many sockets (RFC 6455, section 5.2). A broadcast is the same
 * message to every peer of a room: framing it once and writing the finished frame to each socket
 * skips ws's per-send work (a header allocation and a corked pair of writes per socket, about a
 * third of a big room's send cost). Server frames are never masked.
 */

const OPCODE_TEXT = 0x1
const OPCODE_BINARY = 0x2
const FIN = 0x80

/** Messages up to this size are framed once and shared; larger ones go through ws (no copy). */
export const SHARED_FRAME_MAX_BYTES = 64 * 1024

/** One complete, unfragmented frame carrying `data` (text frame for a string). */
export function frameMessage(data: Uint8Array | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const length = payload.byteLength
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerBytes + length)
  frame[0] = FIN | (typeof data === 'string' ? OPCODE_TEXT : OPCODE_BINARY)
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  frame.set(payload, headerBytes)
  return frame
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
