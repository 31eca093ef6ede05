import { describe, expect, it } from 'vitest'
import { parseServerControl, type PresencePeer, type Scope } from '../../lib/protocol.ts'
import { groupByUser, RoomPresence, type PresenceLink } from './presence.ts'
import { fakePeer } from '../testing/fakePeer.ts'

const peer = (connection: string, user: string, scope: Scope) => fakePeer(connection, { scope, user: { id: user, name: `name ${user}`, color: '#000000' } })

const entry = (id: string, scope: Scope, connections = 1): PresencePeer => ({ id, name: `name ${id}`, color: '#000000', scope, connections })

/** A link with fixed remote peers that records what it is asked to do. */
function fakeLink(remote: PresencePeer[]) {
  const calls: string[] = []
  const published: PresencePeer[][] = []
  const link: PresenceLink = {
    pruneExpired: () => void calls.push('prune'),
    publishPresence: (peers) => {
      calls.push('publish')
      published.push(peers)
    },
    remotePeers: () => {
      calls.push('remote')
      return remote.map((peer) => ({ ...peer }))
    },
  }
  return { link, calls, published }
}

describe('groupByUser', () => {
  it('gives one entry per user, counting its connections', () => {
    expect(groupByUser([entry('u1', 'edit'), entry('u2', 'view'), entry('u1', 'edit', 2)])).toEqual([entry('u1', 'edit', 3), entry('u2', 'view')])
  })

  it('lets edit win over view, whichever comes first', () => {
    expect(groupByUser([entry('u1', 'view'), entry('u1', 'edit')])).toEqual([entry('u1', 'edit', 2)])
    expect(groupByUser([entry('u1', 'edit'), entry('u1', 'view')])).toEqual([entry('u1', 'edit', 2)])
  })

  it('leaves its input as it was', () => {
    const input = [entry('u1', 'view'), entry('u1', 'edit')]
    groupByUser(input)
    expect(input).toEqual([entry('u1', 'view'), entry('u1', 'edit')])
  })
})

describe('RoomPresence', () => {
  it('sends every peer the same message: users grouped, with their connections and the strongest scope', () => {
    const peers = new Set([peer('c1', 'u1', 'view'), peer('c2', 'u1', 'edit'), peer('c3', 'u2', 'view')])
    new RoomPresence(peers, null).broadcast()
    const [first, ...others] = Array.from(peers, (p) => p.sent)
    expect(first).toHaveLength(1)
    for (const sent of others) expect(sent).toEqual(first)
    const message = parseServerControl(first[0] as string)
    expect(message).toMatchObject({ type: 'presence', peers: [entry('u1', 'edit', 2), entry('u2', 'view')] })
  })

  it("counts other instances' peers in the message", () => {
    const peers = new Set([peer('c1', 'u1', 'view')])
    const { link } = fakeLink([entry('u1', 'edit'), entry('u3', 'view')])
    expect(new RoomPresence(peers, link).message().peers).toEqual([entry('u1', 'edit', 2), entry('u3', 'view')])
  })

  it('announces only its own peers to the other instances, after forgetting the silent ones, then tells its peers', () => {
    const a = peer('c1', 'u1', 'edit')
    const { link, calls, published } = fakeLink([entry('u9', 'view')])
    new RoomPresence(new Set([a]), link).announce()
    expect(calls).toEqual(['prune', 'publish', 'remote'])
    expect(published).toEqual([[entry('u1', 'edit')]])
    expect(a.sent).toHaveLength(1)
  })

  it('builds no message for an empty room, but still tells the other instances it has nobody', () => {
    const { link, calls, published } = fakeLink([entry('u9', 'view')])
    new RoomPresence(new Set(), link).announce()
    expect(published).toEqual([[]])
    expect(calls).toEqual(['prune', 'publish'])
  })
})
