import { describe, expect, it } from 'vitest'
import { Close } from '../protocol.ts'
import { TOKEN_REFUSED_CLOSE } from './authSocket.ts'
import { goneReasonOf } from './boardSession.ts'

describe('goneReasonOf', () => {
  it("keeps the server's 4410 reason: the link was reset, or the board deleted", () => {
    expect(goneReasonOf(Close.linkRevoked.code, Close.linkRevoked.reason)).toBe('link revoked')
    expect(goneReasonOf(Close.boardDeleted.code, Close.boardDeleted.reason)).toBe('board deleted')
  })

  it('says unknown for a refused token and for a 4410 with another reason', () => {
    expect(goneReasonOf(TOKEN_REFUSED_CLOSE, 'board not found')).toBe('unknown')
    expect(goneReasonOf(4410, 'something else')).toBe('unknown')
  })
})
