import http from 'node:http'
import { describe, expect, it } from 'vitest'
import { startTestProcess, useTempDatabase } from '../testing/fixture.ts'
import { isControl, tokenFor } from '../testing/support.ts'

/** The app as a phone on the LAN opens it (README, "Use it on your LAN"). */
const LAN_PAGE = 'http://192.168.1.20:3000'

/** An upgrade request as a browser page at `origin` sends it: the answer's status and body when it is refused. */
function upgradeAnswer(port: number, room: string, origin: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({
      host: '127.0.0.1',
      port,
      path: `/${room}`,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin },
    })
    request.on('upgrade', (response, socket) => {
      socket.destroy()
      resolve({ status: response.statusCode ?? 0, body: '' })
    })
    request.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
  })
}

describe('the LAN set-up (SYNC_HOST, ALLOWED_ORIGINS)', () => {
  it('a server on loopback with ALLOWED_ORIGINS naming the LAN page accepts that page and refuses other origins with 403', async () => {
    const database = await useTempDatabase()
    const server = await startTestProcess(database, { SYNC_HOST: '127.0.0.1', ALLOWED_ORIGINS: `${LAN_PAGE},http://localhost:3000` })

    expect(await upgradeAnswer(server.port, 'lan', LAN_PAGE)).toEqual({ status: 101, body: '' })
    const phone = server.raw('lan', { origin: LAN_PAGE })
    await phone.opened
    phone.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('lan') }))
    await phone.received(isControl('auth-ok'))

    for (const origin of ['http://192.168.1.21:3000', 'http://192.168.1.20:3001', 'https://192.168.1.20:3000']) {
      expect(await upgradeAnswer(server.port, 'lan', origin), origin).toEqual({ status: 403, body: 'origin not allowed' })
    }
  })

  it('setting ALLOWED_ORIGINS replaces the default: localhost is refused unless it is listed too', async () => {
    const database = await useTempDatabase()
    const server = await startTestProcess(database, { SYNC_HOST: '127.0.0.1', ALLOWED_ORIGINS: LAN_PAGE })
    expect(await upgradeAnswer(server.port, 'lan', 'http://localhost:3000')).toEqual({ status: 403, body: 'origin not allowed' })
    expect((await upgradeAnswer(server.port, 'lan', LAN_PAGE)).status).toBe(101)
  })
})
