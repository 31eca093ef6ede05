// Starts y-websocket's reference server (no persistence) on 127.0.0.1 for the benchmark.
//   node y-websocket-server.mjs --port 4000
import http from 'node:http'
import WebSocket from 'ws'
import { setupWSConnection } from '@y/websocket-server/utils'
import { readPort, stopOnSignals } from './launch-options.mjs'

const port = readPort()
const sockets = new WebSocket.Server({ noServer: true })
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end('ok')
})
server.on('upgrade', (request, socket, head) => {
  sockets.handleUpgrade(request, socket, head, (ws) => setupWSConnection(ws, request))
})
server.listen(port, '127.0.0.1', () => console.log(`y-websocket reference server on 127.0.0.1:${port}`))
stopOnSignals(() => new Promise((resolve) => server.close(() => resolve())))
