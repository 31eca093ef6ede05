import { describe, expect, it } from 'vitest'
import { Close } from '../../lib/protocol.ts'
import { RoomTokenError } from '../../lib/token.ts'
import { MalformedFrameError } from '../../lib/wire.ts'
import { AwarenessTooLargeError, DocumentTooLargeError, ReadOnlyWriteError, RoomUnavailableError } from '../room/errors.ts'
import { InvalidUpdateError } from '../room/validation.ts'
import { MalformedUpdateError } from '../yjs/updateReader.ts'
import { closeReasonFor, expectedCloseReason } from './closeReasons.ts'

describe('close reasons', () => {
  it.each([
    ['a malformed frame', new MalformedFrameError(), Close.malformed],
    ['a malformed update', new MalformedUpdateError('unexpected end of update'), Close.malformed],
    ['a write from a viewer', new ReadOnlyWriteError(), Close.readOnly],
    ['an oversize awareness state', new AwarenessTooLargeError(), Close.awarenessTooLarge],
    ['a full board', new DocumentTooLargeError(), Close.docTooLarge],
    ['an unreadable room', new RoomUnavailableError('r'), Close.roomUnavailable],
    ['an invalid token', new RoomTokenError('invalid'), Close.authInvalid],
    ['an expired token', new RoomTokenError('expired'), Close.authExpired],
    ["another room's token", new RoomTokenError('room-mismatch'), Close.roomMismatch],
  ])('maps %s to its documented close', (_, error, close) => {
    expect(expectedCloseReason(error)).toBe(close)
    expect(closeReasonFor(error)).toBe(close)
  })

  it("closes invalid document content with 1007 and the validator's reason", () => {
    expect(expectedCloseReason(new InvalidUpdateError('board map entries only'))).toEqual({ code: 1007, reason: 'board map entries only' })
  })

  it('treats anything else as unexpected: no expected close, and 1011 internal error', () => {
    for (const error of [new TypeError('x is undefined'), new Error('disk on fire'), 'a string']) {
      expect(expectedCloseReason(error)).toBeNull()
      expect(closeReasonFor(error)).toBe(Close.internal)
    }
  })
})
