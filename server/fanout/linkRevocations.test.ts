import { describe, expect, it } from 'vitest'
import { MemoryBroker } from './memoryPubSub.ts'
import { decodeRevocation, RevocationRelay, type Revocation } from './linkRevocations.ts'

const REVOCATION: Revocation = { roomId: 'room-1', linkIds: ['old-edit'], reason: 'link revoked' }

/** Three instances on one in-memory broker, each recording the revocations it is asked to close. */
function threeInstances() {
  const broker = new MemoryBroker()
  const closedBy = [[], [], []] as Revocation[][]
  const relays = closedBy.map(
    (closed, i) =>
      new RevocationRelay(broker.connect(`instance-${i}`), (revocation) => {
        closed.push(revocation)
        return 1
      }),
  )
  return { broker, closedBy, relays }
}

describe('revocations across instances', () => {
  it('reach every other instance once, whatever rooms they have loaded; the handling instance closes its own at once and answers their count', async () => {
    const { broker, closedBy, relays } = threeInstances()
    expect(relays[0].revoke(REVOCATION)).toBe(1)
    expect(closedBy[0]).toEqual([REVOCATION])
    await broker.drained()
    expect(closedBy).toEqual([[REVOCATION], [REVOCATION], [REVOCATION]])
  })

  it('are not heard by a closed relay, and a message that is not a revocation is ignored', async () => {
    const { broker, closedBy, relays } = threeInstances()
    relays[2].close()
    relays[0].revoke({ ...REVOCATION, reason: 'board deleted', linkIds: [] })
    await broker.drained()
    expect(closedBy.map((closed) => closed.length)).toEqual([1, 1, 0])
    expect(decodeRevocation(new TextEncoder().encode('{"from":"x","roomId":"r","linkIds":[1],"reason":"link revoked"}'))).toBeNull()
    expect(decodeRevocation(new TextEncoder().encode('{"from":"x","roomId":"r","linkIds":[],"reason":"because"}'))).toBeNull()
    expect(decodeRevocation(new Uint8Array([0xff, 0x00]))).toBeNull()
  })

  it('without a pub/sub (one instance) close this instance\'s sockets only', () => {
    const closed: Revocation[] = []
    const relay = new RevocationRelay(null, (revocation) => {
      closed.push(revocation)
      return 3
    })
    expect(relay.revoke(REVOCATION)).toBe(3)
    expect(closed).toEqual([REVOCATION])
  })
})
