/**
 * Seeded protocol fuzzer: random and mutated frames at every stage of a connection, against the
 * real server, while a control room of honest clients keeps editing. Reproduce a failure with
 * FUZZ_SEED=<seed>; run longer with FUZZ_CASES=<n> (docs/reliability.md).
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import {
  EMPTY_STATE_VECTOR,
  SyncStep,
  encodeAwarenessFrame,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../lib/wire.ts'
import { startTestServer, type StartedTestServer } from './testing/fixture.ts'
import { seededRandom, type SeededRandom } from './testing/random.ts'
import { boardRecords, isSync, rawClient, sendFramesAtOnce, shape, tokenFor, waitUntil, type RawClient } from './testing/support.ts'

// The cases hardly touch the database; on PostgreSQL (npm run test:postgres) fewer keep CI short.
const CASES = Number(process.env.FUZZ_CASES ?? (process.env.TEST_DATABASE_PROVIDER === 'postgresql' ? 5_000 : 20_000))
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed)
const PARALLEL = 32
const MAX_MESSAGE_BYTES = 64 * 1024

type Random = SeededRandom

/** Valid frames of every kind, the raw material for mutations. */
function validFrames(random: Random): Uint8Array[] {
  const doc = new Y.Doc()
  const records = boardRecords(doc)
  const id = `shape:${random.int(1000)}`
  records.set(id, shape(id, { x: random.int(100), text: 'hello' }))
  const update = Y.encodeStateAsUpdate(doc)
  records.delete(Array.from(records.keys())[0])
  const deletion = Y.encodeStateAsUpdate(doc, Y.encodeStateVectorFromUpdate(update))
  const awareness = new Awareness(doc)
  awareness.setLocalState({ cursor: { x: random.int(500), y: random.int(500) } })
  const frames = [
    encodeSyncStep1(Y.encodeStateVector(doc)),
    encodeSyncUpdate(update),
    encodeSyncStep2(deletion),
    encodeAwarenessFrame(encodeAwarenessUpdate(awareness, [doc.clientID])),
    encodeQueryAwareness(),
  ]
  awareness.destroy()
  doc.destroy()
  return frames
}

/** Malformed on purpose: valid frames with bytes flipped, inserted, cut or given huge lengths. */
function mutate(random: Random, input: Uint8Array): Uint8Array {
  const bytes = Array.from(input)
  const edits = 1 + random.int(4)
  for (let i = 0; i < edits; i++) {
    const at = random.int(bytes.length + 1)
    switch (random.int(5)) {
      case 0:
        bytes[at] = random.int(256)
        break
      case 1:
        bytes.splice(at, 0, random.int(256))
        break
      case 2:
        bytes.splice(at, 1 + random.int(4))
        break
      case 3:
        bytes.length = Math.min(bytes.length, at) // truncate
        break
      default:
        bytes.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0x7f) // a huge var-uint length
    }
  }
  return new Uint8Array(bytes)
}

type Stage = 'before-auth' | 'after-auth'
interface FuzzCase {
  stage: Stage
  frames: (string | Uint8Array)[]
  /** Close codes this case may end with; an open, still-answering socket is fine after auth. */
  allowed: number[]
}

function makeCase(random: Random): FuzzCase {
  const stage: Stage = random.next() < 0.3 ? 'before-auth' : 'after-auth'
  const kind = random.int(8)
  const valid = validFrames(random)
  let payload: string | Uint8Array
  // The hand-built bytes below are malformed on purpose: lib/wire.ts encodes only valid frames.
  switch (kind) {
    case 0:
      payload = new Uint8Array(Array.from({ length: random.int(48) }, () => random.int(256)))
      break
    case 1:
    case 2:
    case 3:
      payload = mutate(random, random.pick(valid))
      break
    case 4:
      payload = new Uint8Array([random.int(4), ...Array.from({ length: 1 + random.int(9) }, () => 0x80 | random.int(128))]) // truncated var-uint
      break
    case 5:
      payload = random.pick(['{"type":"auth"', '{"type":"nope"}', 'null', '[]', '"auth"', '{"type":"auth","token":42}', '\u0000', ''])
      break
    case 6:
      payload = random.pick(valid) // a valid frame, perhaps out of order (step 2 before step 1)
      break
    default:
      payload = new Uint8Array(MAX_MESSAGE_BYTES + 1 + random.int(1024)) // over the frame limit
  }
  const allowed =
    stage === 'before-auth'
      ? [1008, 1009]
      : typeof payload === 'string'
        ? [1003, 1007]
        : [1002, 1007, 1009]
  return { stage, frames: [payload], allowed }
}

const SYNC_PROBE = encodeSyncStep1(EMPTY_STATE_VECTOR)

/** Sends one case and checks how it ends: a documented close code, or a socket that still answers. */
const outcomes = new Map<string, number>()
const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)

async function runCase(server: StartedTestServer, room: string, token: string, fuzz: FuzzCase): Promise<string | null> {
  const client: RawClient = rawClient(server.url, room)
  try {
    await client.opened
    if (fuzz.stage === 'after-auth') {
      client.ws.send(JSON.stringify({ type: 'auth', token }))
      await waitUntil(() => client.controls().some((m) => m.type === 'auth-ok') || client.ws.readyState !== client.ws.OPEN, 'auth-ok')
    }
    const before = client.messages.length
    // Raw frames in one write, then a probe: a healthy socket answers it with sync step 2.
    sendFramesAtOnce(client, [...fuzz.frames, ...(fuzz.stage === 'after-auth' ? [SYNC_PROBE] : [])])
    const outcome = await Promise.race([
      client.closed.then((closed) => ({ closed })),
      waitUntil(
        () => client.messages.slice(before).some(isSync(SyncStep.step2)),
        'probe answer',
        5_000,
      ).then(() => ({ closed: null })),
    ])
    count(outcome.closed === null ? 'still open' : `closed ${outcome.closed.code}`)
    if (outcome.closed === null) return fuzz.stage === 'after-auth' ? null : 'socket answered before auth'
    return fuzz.allowed.includes(outcome.closed.code) ? null : `closed with ${outcome.closed.code} (${outcome.closed.reason}), allowed ${fuzz.allowed}`
  } catch (error) {
    return `no outcome: ${(error as Error).message}`
  } finally {
    client.ws.terminate()
  }
}

describe('protocol fuzzer', () => {
  it(`survives ${CASES} seeded hostile cases with documented close codes while honest clients converge`, async () => {
    const server = await startTestServer({ config: { maxMessageBytes: MAX_MESSAGE_BYTES, authTimeoutMs: 5_000 } })
    const control = [0, 1].map((i) => server.connect('control', { sub: `honest-${i}` }))
    await waitUntil(() => control.every((c) => c.provider.synced), 'control room synced')
    const random = seededRandom(SEED)
    const cases = Array.from({ length: CASES }, () => makeCase(random))
    const token = await tokenFor('fuzz', { sub: 'fuzzer' })
    const gc = (globalThis as { gc?: () => void }).gc!
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const failures: string[] = []
    let edits = 0
    let next = 0
    const worker = async () => {
      while (next < cases.length) {
        const index = next++
        const failure = await runCase(server, 'fuzz', token, cases[index])
        if (failure && failures.length < 20) failures.push(`case ${index} (seed ${SEED}): ${failure}`)
        if (index % 500 === 0) {
          const key = `shape:honest-${edits++}`
          boardRecords(control[index % 2].doc).set(key, shape(key, { index }))
        }
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, worker))
    expect(failures).toEqual([])
    await waitUntil(
      () => control.every((c) => boardRecords(c.doc).size === edits) && control[0].provider.wsconnected && control[1].provider.wsconnected,
      'control room converged',
    )
    expect(boardRecords(control[0].doc).toJSON()).toEqual(boardRecords(control[1].doc).toJSON())
    await waitUntil(() => server.server.connections.size === 2, 'fuzz sockets released')
    gc()
    const growth = process.memoryUsage().heapUsed - heapBefore
    console.warn(`fuzz: ${CASES} cases, seed ${SEED}, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}, heap growth ${(growth / 1048576).toFixed(1)} MiB`)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  }, 240_000)
})
