import { spawn, type ChildProcess } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { E2E, databaseUrl } from './support/environment.ts'

// A second app server on the suite's build, with low limits: the suite's own server has them raised
// because every simulated person shares 127.0.0.1.
const PORT = E2E.appPort + 1
const APP_URL = `http://127.0.0.1:${PORT}`
let app: ChildProcess

test.beforeAll(async () => {
  app = spawn(process.execPath, ['app/_server/httpServer.mjs', '--hostname', '127.0.0.1', '--port', String(PORT)], {
    cwd: path.resolve(import.meta.dirname, '..'),
    stdio: 'ignore',
    env: {
      NODE_ENV: 'production',
      PATH: process.env.PATH,
      NEXT_TELEMETRY_DISABLED: '1',
      DATABASE_URL: databaseUrl(),
      AUTH_SECRET: E2E.authSecret,
      SYNC_PORT: String(E2E.syncPort),
      TOKEN_REQUESTS_PER_MIN: '3',
      BOARDS_PER_MIN: '2',
    },
  })
  await expect.poll(() => fetch(`${APP_URL}/icon.svg`).then((response) => response.status, () => 0), { timeout: 30_000 }).toBe(200)
})

test.afterAll(() => {
  app.kill('SIGTERM')
})

/** Status of POST /api/token (an empty body: 400 when not limited) sent from local address `from`. */
function tokenRequestStatus(from: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${APP_URL}/api/token`,
      { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor, 'x-real-ip': forwardedFor } },
      (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      },
    )
    request.on('error', reject)
    request.end('{}')
  })
}

test('the app counts each client by its TCP peer: a forged X-Forwarded-For neither escapes a limit nor uses up another client’s', async ({ browser }) => {
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push(await tokenRequestStatus('127.0.0.1', `198.51.100.${i}`))
  expect(statuses).toEqual([400, 400, 400, 429])
  // Another client (another loopback address) forging the first one's header is not limited.
  expect(await tokenRequestStatus('127.0.0.2', '127.0.0.1')).toBe(400)

  // Board creation (a server action): the third board in a minute is refused, with a notice.
  const context = await browser.newContext({ baseURL: APP_URL, extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.77' } })
  const page = await context.newPage()
  for (let i = 0; i < 3; i++) {
    await page.goto('/')
    await page.getByRole('button', { name: 'New board' }).click()
    await page.waitForURL((url) => url.pathname !== '/' || url.search !== '')
  }
  expect(new URL(page.url()).search).toBe('?limited=boards')
  await expect(page.getByTestId('boards-limited')).toBeVisible()
  await context.close()
})
