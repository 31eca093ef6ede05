/**
 * The benchmark's scenarios (issue 4), written once for every server: each gets a running
 * server through the context, drives it with LoadClients in that server's dialect, and
 * returns its figures. Sizes shrink in smoke mode so every scenario runs for about 1 s.
 */
import { signRoomToken } from '../lib/token.ts'
import type { ClientRole, LoadClient } from './load-client.ts'
import { countHocuspocusStoredShapes, countOurStoredShapes, countTldrawStoredShapes, type PersistedShapeCounter } from './persisted-shapes.ts'
import { BENCH_SECRET, hocuspocusDatabaseFile, ourDatabaseFile, sampleProcess, tldrawDatabaseDir, type RunningServer, type ServerKind } from './servers.ts'
import { percentiles, sleep, waitFor, type Percentiles } from './stats.ts'

export interface ScenarioContext {
  kind: ServerKind
  smoke: boolean
  readonly server: RunningServer
  /** Gracefully stops the server and starts it again on the same database. */
  restartServer(): Promise<void>
  /** Starts the measured window: server and generator CPU are counted from here. */
  startMeasuring(): void
  /** Ends the measured window. */
  stopMeasuring(): void
  /** Called while the load is still applied (profiling takes a heap snapshot here). */
  atPeak(): Promise<void>
}

export interface Headline {
  label: string
  value: number | null
  unit: string
  better: 'lower' | 'higher'
}

export interface ScenarioOutcome {
  /** Latency of the scenario's main traffic (shapes; cursors in the awareness storm; connect→synced for connection scenarios). */
  latencyMs: Percentiles | null
  latencyOf: string
  delivered: number
  expected: number
  headline: Headline
  extra: Record<string, number | string | boolean | null>
  /** Anything that makes the result wrong (lost updates, closed sockets): flagged in the report. */
  failures: string[]
}

export interface Scenario {
  id: string
  title: string
  /** What the full run does, for the report. */
  describe(smoke: boolean): string
  appliesTo(kind: ServerKind): boolean
  run(context: ScenarioContext): Promise<ScenarioOutcome>
}

interface ClientSpec {
  room: string
  role: ClientRole
  user: string
}

interface LatencySinks {
  shapes?: number[]
  cursors?: number[]
}

async function tokenFor(kind: ServerKind, spec: ClientSpec): Promise<string> {
  if (!kind.needsRoomToken) return 'bench'
  return signRoomToken({ sub: spec.user, name: spec.user, room: spec.room, scope: 'edit' }, BENCH_SECRET)
}

/** Opens clients, at most `concurrency` connecting at once, and waits until each is synced. */
async function openClients(context: ScenarioContext, specs: ClientSpec[], sinks: LatencySinks, concurrency: number, timeoutMs = 60_000): Promise<LoadClient[]> {
  const tokens = await Promise.all(specs.map((spec) => tokenFor(context.kind, spec)))
  const clients: LoadClient[] = new Array(specs.length)
  let next = 0
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`clients not synced within ${timeoutMs / 1000} s`)), timeoutMs)
  })
  timedOut.catch(() => {})
  const openOne = async (): Promise<void> => {
    while (next < specs.length) {
      const index = next++
      const spec = specs[index]
      const client = context.kind.protocol.open({
        baseUrl: context.server.baseUrl,
        room: spec.room,
        token: tokens[index],
        role: spec.role,
        onShapeLatency: sinks.shapes ? (ms) => sinks.shapes?.push(ms) : undefined,
        onCursorLatency: sinks.cursors ? (ms) => sinks.cursors?.push(ms) : undefined,
      })
      clients[index] = client
      await Promise.race([client.synced, timedOut])
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, openOne))
  } catch (error) {
    closeAll(clients)
    throw error
  } finally {
    clearTimeout(timer)
  }
  return clients
}

function closeAll(clients: (LoadClient | undefined)[]): void {
  for (const client of clients) client?.terminate()
}

function closedUnexpectedly(clients: LoadClient[]): string[] {
  const closed = clients.filter((client) => client.closedBy)
  if (closed.length === 0) return []
  const first = closed[0].closedBy
  return [`${closed.length} sockets closed by the server (first: ${first?.code} ${first?.reason})`]
}

function generatorLabel(index: number, room: string): string {
  return `bench-${room}-${index}`
}

interface TrafficShape {
  rooms: number
  clientsPerRoom: number
  writersPerRoom: number
  observersPerRoom: number
  updatesPerSecondPerWriter: number
  seconds: number
}

/** Rooms where a few writers add shapes at a steady rate and observers time their arrival. */
async function runShapeTraffic(context: ScenarioContext, shape: TrafficShape): Promise<ScenarioOutcome> {
  const specs: ClientSpec[] = []
  for (let r = 0; r < shape.rooms; r++) {
    const room = `traffic-${r}`
    for (let c = 0; c < shape.clientsPerRoom; c++) {
      const role: ClientRole = c < shape.writersPerRoom ? 'writer' : c < shape.writersPerRoom + shape.observersPerRoom ? 'observer' : 'plain'
      specs.push({ room, role, user: generatorLabel(c, room) })
    }
  }
  const shapes: number[] = []
  const clients = await openClients(context, specs, { shapes }, 100)
  try {
    const writers = clients.map((client, i) => ({ client, room: specs[i].room })).filter((_, i) => specs[i].role === 'writer')
    const sentByRoom = new Map<string, number>()
    let sequence = 0
    context.startMeasuring()
    const timers = writers.map(({ client: writer, room }, w) => {
      const write = () => {
        writer.writeShapes([`shape:w${w}-${sequence}`], sequence++)
        sentByRoom.set(room, (sentByRoom.get(room) ?? 0) + 1)
      }
      // Spread the writers' first writes over one period so they do not all fire together.
      const period = 1000 / shape.updatesPerSecondPerWriter
      let interval: NodeJS.Timeout | undefined
      const start = setTimeout(() => {
        write()
        interval = setInterval(write, period)
      }, (w / writers.length) * period)
      return () => {
        clearTimeout(start)
        clearInterval(interval)
      }
    })
    await sleep(shape.seconds * 1000)
    timers.forEach((stop) => stop())
    const expected = [...sentByRoom.values()].reduce((sum, sent) => sum + sent * shape.observersPerRoom, 0)
    await waitFor(() => shapes.length >= expected, 5_000)
    context.stopMeasuring()
    const sent = [...sentByRoom.values()].reduce((a, b) => a + b, 0)
    const failures = closedUnexpectedly(clients)
    if (shapes.length < expected) failures.push(`lost ${expected - shapes.length} of ${expected} deliveries`)
    const latency = percentiles(shapes)
    return {
      latencyMs: latency,
      latencyOf: 'shape update, writer send → observer applied',
      delivered: shapes.length,
      expected,
      headline: { label: 'p99 latency', value: latency?.p99 ?? null, unit: 'ms', better: 'lower' },
      extra: { updatesSent: sent, sendRatePerSecond: Math.round(sent / shape.seconds) },
      failures,
    }
  } finally {
    closeAll(clients)
  }
}

const trafficScenario = (id: string, title: string, full: TrafficShape, smoke: TrafficShape): Scenario => ({
  id,
  title,
  describe: (isSmoke) => {
    const s = isSmoke ? smoke : full
    return `${s.rooms} room(s) × ${s.clientsPerRoom} clients, ${s.writersPerRoom} writer(s) × ${s.updatesPerSecondPerWriter} upd/s per room, ${s.observersPerRoom} observer(s) per room timing every update, ${s.seconds} s`
  },
  appliesTo: () => true,
  run: (context) => runShapeTraffic(context, context.smoke ? smoke : full),
})

const smallRoom = trafficScenario(
  'small-room',
  'Small room',
  { rooms: 1, clientsPerRoom: 10, writersPerRoom: 2, observersPerRoom: 8, updatesPerSecondPerWriter: 20, seconds: 20 },
  { rooms: 1, clientsPerRoom: 4, writersPerRoom: 1, observersPerRoom: 3, updatesPerSecondPerWriter: 20, seconds: 1 },
)

const bigRoom = trafficScenario(
  'big-room',
  'Big room fan-out',
  { rooms: 1, clientsPerRoom: 200, writersPerRoom: 5, observersPerRoom: 10, updatesPerSecondPerWriter: 10, seconds: 20 },
  { rooms: 1, clientsPerRoom: 20, writersPerRoom: 2, observersPerRoom: 3, updatesPerSecondPerWriter: 20, seconds: 1 },
)

const manyRooms = trafficScenario(
  'many-rooms',
  'Many rooms',
  { rooms: 100, clientsPerRoom: 5, writersPerRoom: 1, observersPerRoom: 2, updatesPerSecondPerWriter: 5, seconds: 20 },
  { rooms: 5, clientsPerRoom: 3, writersPerRoom: 1, observersPerRoom: 1, updatesPerSecondPerWriter: 10, seconds: 1 },
)

const awarenessStorm: Scenario = {
  id: 'awareness-storm',
  title: 'Awareness storm',
  describe: (smoke) => {
    const { clients, hz, seconds } = smoke ? { clients: 10, hz: 10, seconds: 1 } : { clients: 100, hz: 10, seconds: 15 }
    return `1 room × ${clients} clients, every client moves its cursor at ${hz} Hz, 5 observers time every cursor state, ${seconds} s`
  },
  appliesTo: () => true,
  async run(context) {
    const { clientCount, hz, seconds, observerCount } = context.smoke
      ? { clientCount: 10, hz: 10, seconds: 1, observerCount: 2 }
      : { clientCount: 100, hz: 10, seconds: 15, observerCount: 5 }
    const specs: ClientSpec[] = Array.from({ length: clientCount }, (_, i) => ({ room: 'cursors', role: i < observerCount ? 'observer' : 'plain', user: generatorLabel(i, 'cursors') }))
    const cursors: number[] = []
    const clients = await openClients(context, specs, { cursors }, 100)
    try {
      context.startMeasuring()
      const period = 1000 / hz
      const stops = clients.map((client, i) => {
        let step = 0
        const move = () => client.sendCursor((i * 7 + step) % 1000, (step++ * 13) % 800)
        let interval: NodeJS.Timeout | undefined
        const start = setTimeout(() => {
          move()
          interval = setInterval(move, period)
        }, (i / clients.length) * period)
        return () => {
          clearTimeout(start)
          clearInterval(interval)
        }
      })
      await sleep(seconds * 1000)
      stops.forEach((stop) => stop())
      const observers = clients.slice(0, observerCount)
      // No loss for cursors means: every observer ends with every other client's last state
      // (an intermediate state may be superseded by a newer one when a server coalesces).
      const finalStatesMissing = () =>
        observers.reduce((missing, observer) => missing + clients.filter((sender) => sender !== observer && (observer.cursorClocks.get(sender.cursorClientId) ?? -1) < sender.lastCursorClock).length, 0)
      await waitFor(() => finalStatesMissing() === 0, 5_000)
      context.stopMeasuring()
      const sent = clients.reduce((sum, client) => sum + client.lastCursorClock, 0)
      const expected = observers.reduce((sum, observer) => sum + sent - observer.lastCursorClock, 0)
      const failures = closedUnexpectedly(clients)
      const missing = finalStatesMissing()
      if (missing > 0) failures.push(`${missing} final cursor states never arrived`)
      const latency = percentiles(cursors)
      return {
        latencyMs: latency,
        latencyOf: 'cursor state, sender → observer',
        delivered: cursors.length,
        expected,
        headline: { label: 'p99 cursor latency', value: latency?.p99 ?? null, unit: 'ms', better: 'lower' },
        extra: { cursorStatesSent: sent, cursorStatesDeliveredPercent: Math.round((1000 * cursors.length) / Math.max(1, expected)) / 10, bytesReceivedPerClient: Math.round(clients.reduce((sum, client) => sum + client.bytesIn, 0) / clients.length) },
        failures,
      }
    } finally {
      closeAll(clients)
    }
  },
}

const connectStorm: Scenario = {
  id: 'connect-storm',
  title: 'Connect storm',
  describe: (smoke) => (smoke ? '40 clients into 4 rooms at once: time until all are synced' : '500 clients into 50 new rooms, all at once: time until all are synced'),
  appliesTo: () => true,
  async run(context) {
    const { clientCount, roomCount } = context.smoke ? { clientCount: 40, roomCount: 4 } : { clientCount: 500, roomCount: 50 }
    const specs: ClientSpec[] = Array.from({ length: clientCount }, (_, i) => ({ room: `storm-${i % roomCount}`, role: 'plain', user: `storm-${i}` }))
    context.startMeasuring()
    const startedAt = performance.timeOrigin + performance.now()
    let clients: LoadClient[] = []
    const failures: string[] = []
    try {
      clients = await openClients(context, specs, {}, clientCount, 30_000)
    } catch (error) {
      failures.push(String(error))
    }
    context.stopMeasuring()
    const syncedTimes = clients.map((client) => client.syncedAt - client.openedAt)
    const allSyncedAt = clients.length ? Math.max(...clients.map((client) => client.syncedAt)) : NaN
    closeAll(clients)
    return {
      latencyMs: percentiles(syncedTimes),
      latencyOf: 'socket opened → synced, per client',
      delivered: clients.length,
      expected: clientCount,
      headline: { label: 'time to all synced', value: failures.length ? null : allSyncedAt - startedAt, unit: 'ms', better: 'lower' },
      extra: { rooms: roomCount },
      failures,
    }
  },
}

const GIB = 1024 ** 3

const idleCapacity: Scenario = {
  id: 'idle-capacity',
  title: 'Idle capacity',
  describe: (smoke) =>
    smoke
      ? '200 idle synced sockets in rooms of 10, held 1 s; RSS growth per socket → sockets per GiB'
      : '10,000 idle synced sockets in rooms of 10, held 10 s (heartbeats at each server\'s default); RSS growth per socket → sockets per GiB',
  appliesTo: () => true,
  async run(context) {
    const { socketCount, holdSeconds } = context.smoke ? { socketCount: 200, holdSeconds: 1 } : { socketCount: 10_000, holdSeconds: 10 }
    const pid = context.server.pid
    await sleep(500)
    const baseline = sampleProcess(pid).rssBytes
    const specs: ClientSpec[] = Array.from({ length: socketCount }, (_, i) => ({ room: `idle-${Math.floor(i / 10)}`, role: 'plain', user: `idle-${i}` }))
    context.startMeasuring()
    const clients = await openClients(context, specs, {}, 200, 120_000)
    try {
      const samples: number[] = []
      const holdUntil = Date.now() + holdSeconds * 1000
      while (Date.now() < holdUntil) {
        samples.push(sampleProcess(pid).rssBytes)
        await sleep(250)
      }
      context.stopMeasuring()
      await context.atPeak()
      // The later half of the hold: after the connect burst's garbage had a chance to be collected.
      const settled = samples.slice(Math.floor(samples.length / 2))
      const heldRss = settled.reduce((a, b) => a + b, 0) / settled.length
      const bytesPerSocket = Math.max(1, (heldRss - baseline) / socketCount)
      const failures = closedUnexpectedly(clients)
      const stillOpen = clients.filter((client) => client.isOpen).length
      if (stillOpen < socketCount) failures.push(`${socketCount - stillOpen} sockets not open at the end`)
      return {
        latencyMs: percentiles(clients.map((client) => client.syncedAt - client.openedAt)),
        latencyOf: 'socket opened → synced, 200 connecting at a time',
        delivered: stillOpen,
        expected: socketCount,
        headline: { label: 'sockets per GiB', value: Math.floor((GIB - baseline) / bytesPerSocket), unit: 'sockets', better: 'higher' },
        extra: { baselineRssMiB: Math.round(baseline / 2 ** 20), heldRssMiB: Math.round(heldRss / 2 ** 20), kibPerSocket: Math.round(bytesPerSocket / 102.4) / 10, sockets: socketCount },
        failures,
      }
    } finally {
      closeAll(clients)
    }
  },
}

const coldLoad: Scenario = {
  id: 'cold-load',
  title: 'Cold load',
  describe: (smoke) =>
    `a room holding ${smoke ? '500' : '10,000'} tldraw shapes: written through the protocol, then (persistent servers) the server is restarted so it loads from SQLite; time until each of 5 new clients is synced (the first is the cold load)`,
  appliesTo: () => true,
  async run(context) {
    const shapeCount = context.smoke ? 500 : 10_000
    const chunk = 100
    const room = 'cold'
    const [writer] = await openClients(context, [{ room, role: 'writer', user: 'cold-writer' }], {}, 1)
    for (let n = 0; n < shapeCount; n += chunk) {
      writer.writeShapes(Array.from({ length: Math.min(chunk, shapeCount - n) }, (_, i) => `shape:cold-${n + i}`), n)
      if (n % 2_000 === 0) await sleep(10)
    }
    // A client synced after the writes sees everything the server holds.
    const [checker] = await openClients(context, [{ room, role: 'observer', user: 'cold-checker' }], {}, 1)
    await waitFor(() => checker.shapeCount >= shapeCount, 30_000)
    checker.terminate()
    const persistent = context.kind.storage !== null
    if (persistent) {
      writer.close()
      await sleep(200)
      await context.restartServer()
    }
    context.startMeasuring()
    const times: number[] = []
    const failures: string[] = []
    const readers: LoadClient[] = []
    try {
      for (let i = 0; i < 5; i++) {
        const [reader] = await openClients(context, [{ room, role: 'observer', user: `cold-reader-${i}` }], {}, 1, 60_000)
        readers.push(reader)
        times.push(reader.syncedAt - reader.openedAt)
        if (reader.shapeCount !== shapeCount) failures.push(`client ${i} synced ${reader.shapeCount} of ${shapeCount} shapes`)
      }
    } catch (error) {
      failures.push(String(error))
    }
    context.stopMeasuring()
    const documentBytes = readers[0]?.documentBytes() ?? null
    closeAll(readers)
    writer.terminate()
    return {
      latencyMs: percentiles(times),
      latencyOf: 'new client: socket opened → synced (5 clients one after another)',
      delivered: readers.length - failures.length,
      expected: 5,
      headline: { label: persistent ? 'first client synced (from SQLite)' : 'first client synced (room in memory)', value: times[0] ?? null, unit: 'ms', better: 'lower' },
      extra: { shapes: shapeCount, documentMiB: documentBytes === null ? null : Math.round(documentBytes / 104857.6) / 10, loadedFromDatabase: persistent, laterClientsMedianMs: times.length > 1 ? percentiles(times.slice(1))?.p50 ?? null : null },
      failures,
    }
  },
}

const PERSIST_ROOM_PREFIX = 'persist-'

function storedShapeCounter(context: ScenarioContext): PersistedShapeCounter {
  const dir = context.server.cwd
  switch (context.kind.storage) {
    case 'our-sqlite':
      return countOurStoredShapes(ourDatabaseFile(dir), PERSIST_ROOM_PREFIX)
    case 'tldraw-sqlite':
      return countTldrawStoredShapes(tldrawDatabaseDir(dir), PERSIST_ROOM_PREFIX)
    default:
      return countHocuspocusStoredShapes(hocuspocusDatabaseFile(dir), PERSIST_ROOM_PREFIX)
  }
}

/**
 * How long after the last update each server promises it is on disk: ours PERSIST_INTERVAL_MS,
 * Hocuspocus its maxDebounce, tldraw none (each push is written in its own SQLite transaction).
 */
function durabilityWindowMs(kind: ServerKind): number {
  if (kind.storage === 'our-sqlite') return 250
  if (kind.storage === 'tldraw-sqlite') return 0
  return 10_000
}

const persistence: Scenario = {
  id: 'persistence',
  title: 'Persistence',
  describe: (smoke) =>
    smoke
      ? '2 rooms × 1 writer, one step of 200 upd/s for 1 s; all updates must be in the database within the durability window + 2 s'
      : '10 rooms × 1 writer, offered load in steps of 1,000 / 2,500 / 5,000 / 10,000 upd/s for 5 s each; a step is sustained when all its updates are in the database within the server\'s durability window + 2 s after it ends (no growing backlog)',
  appliesTo: (kind) => kind.storage !== null,
  async run(context) {
    const { rooms, steps, stepSeconds } = context.smoke ? { rooms: 2, steps: [200], stepSeconds: 1 } : { rooms: 10, steps: [1_000, 2_500, 5_000, 10_000], stepSeconds: 5 }
    const specs: ClientSpec[] = Array.from({ length: rooms }, (_, i) => ({ room: `${PERSIST_ROOM_PREFIX}${i}`, role: 'writer', user: `persist-${i}` }))
    const writers = await openClients(context, specs, {}, rooms)
    let counter: PersistedShapeCounter | null = null
    const stepResults: { offered: number; sentPerSecond: number; drainMs: number | null; sustained: boolean }[] = []
    const failures: string[] = []
    let sent = 0
    try {
      context.startMeasuring()
      const allowedDrainMs = durabilityWindowMs(context.kind) + 2_000
      for (const rate of steps) {
        const stepStart = Date.now()
        const sentBefore = sent
        // Paced by elapsed time, not by tick count: timers fire late under load.
        const tick = setInterval(() => {
          const due = sentBefore + Math.floor((rate * (Date.now() - stepStart)) / 1000)
          while (sent < due) {
            writers[sent % writers.length].writeShapes([`shape:p-${sent}`], sent)
            sent++
          }
        }, 5)
        await sleep(stepSeconds * 1000)
        clearInterval(tick)
        const sentPerSecond = Math.round((sent - sentBefore) / ((Date.now() - stepStart) / 1000))
        const stepEnd = Date.now()
        counter ??= storedShapeCounter(context)
        const activeCounter = counter
        const drained = await waitFor(() => activeCounter.count() >= sent, allowedDrainMs + 3_000, 100)
        const drainMs = drained ? Date.now() - stepEnd : null
        const sustained = drainMs !== null && drainMs <= allowedDrainMs
        stepResults.push({ offered: rate, sentPerSecond, drainMs, sustained })
        if (sentPerSecond < 0.9 * rate) failures.push(`the generator offered only ${sentPerSecond} of ${rate} upd/s`)
        if (!sustained) break
      }
      context.stopMeasuring()
      const stored = counter?.count() ?? 0
      await waitFor(() => (counter?.count() ?? 0) >= sent, 15_000, 250)
      const finallyStored = counter?.count() ?? stored
      if (finallyStored < sent) failures.push(`${sent - finallyStored} of ${sent} updates still not in the database 15 s after the last step (backlog)`)
      failures.push(...closedUnexpectedly(writers))
      const best = stepResults.filter((step) => step.sustained).at(-1)
      return {
        latencyMs: null,
        latencyOf: 'n/a (throughput scenario)',
        delivered: finallyStored,
        expected: sent,
        headline: { label: 'sustained updates/s into SQLite', value: best ? best.sentPerSecond : 0, unit: 'upd/s', better: 'higher' },
        extra: {
          steps: stepResults.map((step) => `${step.offered}/s (sent ${step.sentPerSecond}/s): ${step.drainMs === null ? 'backlog not drained' : `drained ${step.drainMs} ms after`}${step.sustained ? '' : ' ✗'}`).join('; '),
          durabilityWindowMs: durabilityWindowMs(context.kind),
        },
        failures,
      }
    } finally {
      counter?.close()
      closeAll(writers)
    }
  },
}

export const SCENARIOS: Scenario[] = [smallRoom, bigRoom, manyRooms, awarenessStorm, connectStorm, idleCapacity, coldLoad, persistence]
