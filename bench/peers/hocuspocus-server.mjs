// Starts Hocuspocus on 127.0.0.1 for the benchmark: in memory, or with its SQLite extension.
//   node hocuspocus-server.mjs --port 4000 [--sqlite /tmp/x/hocuspocus.db]
import { Server } from '@hocuspocus/server'
import { SQLite } from '@hocuspocus/extension-sqlite'
import { readOption, readPort } from './launch-options.mjs'

const port = readPort()
const sqliteFile = readOption('--sqlite')
const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  // Hocuspocus flushes pending stores and closes its sockets on SIGINT/SIGTERM itself.
  stopOnSignals: true,
  extensions: sqliteFile ? [new SQLite({ database: sqliteFile })] : [],
})
await server.listen()
console.log(`hocuspocus${sqliteFile ? ' + sqlite' : ''} on 127.0.0.1:${port}`)
