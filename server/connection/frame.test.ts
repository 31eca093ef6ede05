import { describe, expect, it } from 'vitest'
import * as ws from 'ws'
import { frameMessage, sharedFrame } from './frame.ts'

/** ws's own (untyped) framer: what its WebSocket#send would write for an unmasked server frame. */
const wsSender = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender

function wsFrame(data: Buffer, opcode: number): Buffer {
  return Buffer.concat(wsSender.frame(data, { fin: true, rsv1: false, opcode, mask: false, readOnly: true }))
}

describe('frameMessage', () => {
  it('writes the same bytes as ws for every length class, binary and text', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const bytes = Buffer.alloc(length, 7)
      expect(frameMessage(new Uint8Array(bytes)).equals(wsFrame(bytes, 2)), `binary, ${length} bytes`).toBe(true)
      const text = 'é'.repeat(Math.floor(length / 2))
      expect(frameMessage(text).equals(wsFrame(Buffer.from(text), 1)), `text, ${length} bytes`).toBe(true)
    }
  })

  it('frames a view into a larger buffer from its own bytes only', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9])
    expect([...frameMessage(backing.subarray(2, 5))]).toEqual([0x82, 3, 1, 2, 3])
  })
})

describe('sharedFrame', () => {
  it('leaves a message to its first socket, then frames it once for the sockets after it', () => {
    const first = new Uint8Array([1, 2, 3])
    expect(sharedFrame(first)).toBeNull()
    const frame = sharedFrame(first)
    expect(frame?.equals(frameMessage(first))).toBe(true)
    expect(sharedFrame(first)).toBe(frame)
    const second = new Uint8Array([1, 2, 3])
    expect(sharedFrame(second)).toBeNull()
    expect(sharedFrame(second)).not.toBe(frame)
  })
})
