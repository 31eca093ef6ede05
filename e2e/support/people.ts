import { InstancePresenceRecordType, createUserId, type TLPageId } from '@tldraw/tlschema'
import type { APIRequestContext } from '@playwright/test'
import WebSocket from 'ws'
import { encodeAwarenessFrame, writeAwarenessEntries } from '../../lib/wire.ts'
import { E2E } from './environment.ts'

/** Someone on the board without a browser: a guest cookie, a room token and one socket publishing a cursor. */
export interface LightPerson {
  name: string
  userId: string
  leave(): Promise<void>
}

// Other clients drop an awareness state not renewed for 30 s (y-protocols): renew well before.
const RENEW_MS = 10_000

export interface LightPersonOptions {
  /** A fresh request context (its own cookie jar: its own guest), from Playwright's `playwright.request.newContext()`. */
  request: APIRequestContext
  roomId: string
  name: string
  color: string
  /** The page their cursor is on (tldraw shows cursors of the current page). */
  pageId: string
  cursor: { x: number; y: number }
}

/**
 * Joins a board the way the app does, without a browser: a token from `POST /api/token` (the guest
 * cookie it sets makes the user id), the auth-first socket, then an awareness state carrying a
 * tldraw instance presence, which is what the board's binding turns into a cursor and a collaborator
 * (docs/protocol.md, lib/client/binding.ts). The server lists them in its presence frames from the token.
 */
export async function joinLightPerson({ request, roomId, name, color, pageId, cursor }: LightPersonOptions): Promise<LightPerson> {
  const response = await request.post(`${E2E.appUrl}/api/token`, { data: { link: 'b', id: roomId, name, color } })
  if (!response.ok()) throw new Error(`token for ${name}: HTTP ${response.status()}`)
  const { token, syncUrl, room, userId } = (await response.json()) as { token: string; syncUrl: string; room: string; userId: string }

  const socket = new WebSocket(`${syncUrl}/${room}`)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const authenticated = new Promise<void>((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return
      const message = JSON.parse(String(data)) as { type?: string }
      if (message.type !== 'auth-ok') return
      socket.off('message', onMessage)
      resolve()
    }
    socket.on('message', onMessage)
    socket.once('close', (code, reason) => reject(new Error(`${name}'s socket closed before auth: ${code} ${String(reason)}`)))
  })
  socket.send(JSON.stringify({ type: 'auth', token }))
  await authenticated

  const clientId = Math.floor(Math.random() * 2 ** 30)
  let clock = 0
  const presence = InstancePresenceRecordType.create({
    id: InstancePresenceRecordType.createId(`light-${clientId}`),
    userId: createUserId(userId),
    userName: name,
    color,
    currentPageId: pageId as TLPageId,
    cursor: { x: cursor.x, y: cursor.y, type: 'default', rotation: 0 },
    lastActivityTimestamp: Date.now(),
  })
  const publish = () => {
    clock += 1
    socket.send(encodeAwarenessFrame(writeAwarenessEntries([{ clientId, clock, json: JSON.stringify({ presence: { ...presence, lastActivityTimestamp: Date.now() } }) }])))
  }
  publish()
  const renew = setInterval(publish, RENEW_MS)

  return {
    name,
    userId: createUserId(userId),
    async leave() {
      clearInterval(renew)
      if (socket.readyState === WebSocket.OPEN) {
        const closed = new Promise((resolve) => socket.once('close', resolve))
        socket.close(1000)
        await closed
      }
      await request.dispose()
    },
  }
}
