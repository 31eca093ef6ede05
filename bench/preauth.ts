/**
 * What a client that never authenticates can cost the sync server (issue 12, item 2):
 *
 *  (a) memory held per hostile socket: each of SOCKETS sockets announces a frame of 15 MiB + 1
 *      and sends 15 MiB of it, then stops; the server's RSS (and V8 external memory) over the
 *      baseline, divided by the sockets, and how long the server keeps such a socket;
 *  (b) the event-loop stall one maximal auth frame causes (a 15 MiB `{"type":"auth","token":…}`):
 *      the longest ping → pong round trip of an honest, authenticated client, probing back to
 *      back, against its longest round trip with no attack.
 *
 *   npx tsx bench/preauth.ts [--sockets 8] [--hold-seconds 45] [--partial-bytes 15728640]
 *
 * The server is the production bundle from the current source, in its own process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { signRoomToken } from '../lib/token.ts'
import { spawnSyncServer } from '../server/tools/cluster.ts'
import { freePort, upgradedSocket, wsFrameHeader } from '../server/testing/support.ts'
import { waitFor } from './stats.ts'

const SECRET = 'bench-secret-0123456789abcdef0123456789'
const MiB = 1024 * 1024
const FRAME_BYTES = 15 * MiB

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index > 0 ? Number(process.argv[index + 1]) : fallback
}
const SOCKETS = option('sockets', 8)
/** How much of the announced frame each hostile socket sends (default all but the last byte). */
const PARTIAL_BYTES = option('partial-bytes', FRAME_BYTES)
const HOLD_SECONDS = option('hold-seconds', 45)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

/** V8 external memory (where ws keeps received chunks), from /metrics on the metrics port or, on older code, the main port. */
async function externalBytes(ports: number[]): Promise<number> {
  for (const port of ports) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`)
      if (!response.ok) continue
      const text = await response.text()
      return Number(/^nodejs_external_memory_bytes (\S+)/m.exec(text)?.[1] ?? NaN)
    } catch {
      // not served on this port
    }
  }
  return NaN
}

/** Polls RSS until three readings 250 ms apart agree within 1 MiB (the server has taken in what was sent). */
async function settledRss(pid: number): Promise<number> {
  let readings = [rssBytes(pid)]
  for (let i = 0; i < 80; i++) {
    await sleep(250)
    readings = [...readings.slice(-2), rssBytes(pid)]
    if (readings.length === 3 && Math.max(...readings) - Math.min(...readings) < MiB) break
  }
  return readings.at(-1) as number
}

async function memoryPerHostileSocket(pid: number, port: number, scrapePorts: number[]): Promise<void> {
  await settledRss(pid)
  const rssBefore = rssBytes(pid)
  const externalBefore = await externalBytes(scrapePorts)
  const started = Date.now()
  const sockets = (await Promise.all(Array.from({ length: SOCKETS }, (_, i) => upgradedSocket(port, `hostile-${i}`)))).map((upgraded) => upgraded.socket)
  const closedAfter: (number | null)[] = sockets.map(() => null)
  sockets.forEach((socket, i) => socket.once('close', () => (closedAfter[i] = (Date.now() - started) / 1000)))
  const payload = Buffer.alloc(PARTIAL_BYTES, 0x61)
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.write(wsFrameHeader(0x1, FRAME_BYTES + 1))
          // The write callback runs once the kernel took it all, or with an error once the server dropped us.
          socket.write(payload, () => resolve())
        }),
    ),
  )
  const rssHeld = await settledRss(pid)
  const externalHeld = await externalBytes(scrapePorts)
  const perSocketRss = (rssHeld - rssBefore) / SOCKETS / MiB
  const perSocketExternal = (externalHeld - externalBefore) / SOCKETS / MiB
  console.warn(`(a) ${SOCKETS} hostile sockets (${(PARTIAL_BYTES / MiB).toFixed(2)} MiB of a ${FRAME_BYTES / MiB} MiB + 1 frame each)`)
  console.warn(`    server RSS ${(rssBefore / MiB).toFixed(0)} → ${(rssHeld / MiB).toFixed(0)} MiB: ${perSocketRss.toFixed(2)} MiB per socket`)
  console.warn(`    V8 external memory: ${perSocketExternal.toFixed(2)} MiB per socket`)
  await waitFor(() => closedAfter.every((t) => t !== null), HOLD_SECONDS * 1000, 100)
  const held = closedAfter.map((t) => (t === null ? `>${HOLD_SECONDS}` : t.toFixed(1)))
  console.warn(`    seconds until the server dropped each socket: ${held.join(', ')}`)
  for (const socket of sockets) socket.destroy()
}

/** Back-to-back ping round trips of an authenticated client until `stop()`; returns the longest. */
function probeRoundTrips(ws: WebSocket): { stop: () => Promise<number> } {
  let longest = 0
  let running = true
  const done = (async () => {
    while (running) {
      const sent = performance.now()
      await new Promise<void>((resolve) => {
        ws.once('pong', () => resolve())
        ws.ping()
      })
      longest = Math.max(longest, performance.now() - sent)
    }
  })()
  return {
    stop: async () => {
      running = false
      await done
      return longest
    },
  }
}

async function stallFromMaximalAuthFrame(port: number): Promise<void> {
  const token = await signRoomToken({ sub: 'probe', name: 'Probe', room: 'stall-probe', scope: 'edit' }, SECRET, 600)
  const honest = new WebSocket(`ws://127.0.0.1:${port}/stall-probe`)
  await new Promise((resolve, reject) => honest.once('open', resolve).once('error', reject))
  honest.send(JSON.stringify({ type: 'auth', token }))
  await new Promise<void>((resolve) => honest.on('message', (data, isBinary) => !isBinary && String(data).includes('auth-ok') && resolve()))
  // Framed here once, unmasked (zero key): the probe then times the server, not this process masking 15 MiB.
  const auth = Buffer.from(JSON.stringify({ type: 'auth', token: 'a'.repeat(FRAME_BYTES - 32) }))
  const frame = Buffer.concat([wsFrameHeader(0x1, auth.length), auth])
  console.warn(`(b) one auth frame of ${(auth.length / MiB).toFixed(2)} MiB; longest ping round trip of an honest client:`)
  for (let run = 1; run <= 3; run++) {
    let probe = probeRoundTrips(honest)
    await sleep(1_500)
    const quiet = await probe.stop()
    const attacker = await upgradedSocket(port, 'stall-attacker')
    probe = probeRoundTrips(honest)
    attacker.socket.write(frame)
    const dropped = await Promise.race([attacker.ended.then(() => true), sleep(15_000).then(() => false)])
    await sleep(500)
    const attacked = await probe.stop()
    attacker.socket.destroy()
    const answer = attacker.closeFrame()
    const outcome = answer ? `close ${answer.code} "${answer.reason}"` : 'no close frame'
    console.warn(`    run ${run}: no attack ${quiet.toFixed(1)} ms, with the frame ${attacked.toFixed(1)} ms (${outcome}, ${dropped ? 'dropped' : 'still open after 15 s'})`)
  }
  honest.terminate()
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-preauth-'))
  const metricsPort = await freePort()
  const server = await spawnSyncServer({
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    SYNC_PORT: '0',
    METRICS_PORT: String(metricsPort),
    AUTH_SECRET: SECRET,
    DATABASE_URL: `file:${dir}/bench.db`,
    MAX_SOCKETS_PER_IP: '100000',
    CONNECTIONS_PER_SEC_PER_IP: '100000',
    AUTH_FAILURES_PER_MIN_PER_IP: '100000',
    LOG_LEVEL: 'warn',
  })
  const pid = server.child.pid as number
  try {
    await memoryPerHostileSocket(pid, server.port, [metricsPort, server.port])
    await stallFromMaximalAuthFrame(server.port)
  } finally {
    server.child.kill('SIGTERM')
    await server.exited
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
