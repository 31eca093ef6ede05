import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/**
 * Largest part of a sync answer that the server sends as one frame. y-websocket's provider
 * reconnects when no message has arrived for 30 s; a document of tens of MB sent as one frame
 * over a slow link would trip that on every attempt (a reconnect loop). A 4 MiB part arrives
 * within 30 s down to about 1 Mbit/s. Splitting decodes the update (about 0.15 s per MB), so
 * smaller documents go whole.
 */
export const SYNC_PART_BYTES = 4 * 1024 * 1024

/**
 * Splits a Yjs (v1) update into updates of about `maxBytes` each that, applied in any order,
 * give the same document as the original: the structs, cut at struct boundaries with at most one
 * run per client in each part, then the delete set on its own as the last part. Yjs holds a part
 * whose dependencies have not arrived yet and integrates it once they have.
 */
export function splitUpdate(update: Uint8Array, maxBytes: number): Uint8Array[] {
  if (update.byteLength <= maxBytes) return [update]
  const { structs } = Y.decodeUpdate(update)
  const parts: Uint8Array[] = []
  let runs = new Map<number, Run>()
  let size = 0
  const closePart = () => {
    if (runs.size > 0) parts.push(encodeRuns(runs))
    runs = new Map()
    size = 0
  }
  for (const struct of structs) {
    // A gap in a client's clocks (a Skip) ends that client's run: start the next part.
    if (struct instanceof Y.Skip) {
      closePart()
      continue
    }
    const { client, clock } = struct.id
    let run = runs.get(client)
    if (run && run.nextClock !== clock) {
      closePart()
      run = undefined
    }
    if (!run) {
      run = { clock, count: 0, nextClock: clock, body: new Y.UpdateEncoderV1() }
      runs.set(client, run)
    }
    const before = encoding.length(run.body.restEncoder)
    struct.write(run.body, 0)
    run.count++
    run.nextClock = clock + struct.length
    size += encoding.length(run.body.restEncoder) - before
    if (size >= maxBytes) closePart()
  }
  closePart()
  // Everything but the structs: the delete set.
  parts.push(Y.diffUpdate(update, Y.encodeStateVectorFromUpdate(update)))
  return parts
}

interface Run {
  clock: number
  count: number
  nextClock: number
  body: Y.UpdateEncoderV1
}

/** A v1 update holding the given runs of structs and an empty delete set. */
function encodeRuns(runs: Map<number, Run>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, runs.size)
  for (const [client, run] of runs) {
    encoding.writeVarUint(encoder, run.count)
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, run.clock)
    encoding.writeUint8Array(encoder, run.body.toUint8Array())
  }
  encoding.writeVarUint(encoder, 0)
  return encoding.toUint8Array(encoder)
}
