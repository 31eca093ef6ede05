/**
 * The app's HTTP server for production and the browser suite (`npm start`): Next.js through its
 * documented custom-server API, plus one thing `next start` cannot give route handlers: each
 * request's TCP peer address, kept in an AsyncLocalStorage under a global symbol while Next
 * handles the request (read by app/_server/socketAddress.ts for the per-IP limits). Plain
 * JavaScript, so production runs it without a TypeScript loader; the app's variables are
 * validated by instrumentation.ts, which Next runs in app.prepare(), before the server listens.
 *
 * Usage: node app/_server/httpServer.mjs [--hostname <host>] [--port <port>]   (defaults: all interfaces, $PORT or 3000)
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createServer } from 'node:http'
import path from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { hostname: { type: 'string' }, port: { type: 'string' } } })
// An empty PORT counts as unset, as in lib/config.ts (which refuses a PORT that is not a port).
const port = Number(values.port ?? (process.env.PORT || 3000))
const hostname = values.hostname
// Set before Next and React load: they pick their production builds from it.
process.env.NODE_ENV ??= 'production'
const { default: next } = await import('next')

const socketAddresses = new AsyncLocalStorage()
globalThis[Symbol.for('whiteboard.requestSocketAddress')] = socketAddresses

const server = createServer((request, response) => {
  socketAddresses.run(request.socket.remoteAddress, () => handle(request, response))
})
const app = next({ dir: path.resolve(import.meta.dirname, '../..'), hostname: hostname ?? 'localhost', port, httpServer: server })
const handle = app.getRequestHandler()
await app.prepare()
server.listen(port, hostname, () => {
  process.stdout.write(`app listening on http://${hostname ?? 'localhost'}:${port}\n`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close()
    process.exit(0)
  })
}
