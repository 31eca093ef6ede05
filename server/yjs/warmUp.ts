import * as Y from 'yjs'
import { BOARD_RECORDS_MAP } from '../../lib/protocol.ts'
import { geoShapeRecord } from '../../lib/shapeRecord.ts'
import type { RoomStore } from '../storage/roomStore.ts'

/**
 * Runs the code a room's first load runs (reading the store, decoding, applying and encoding a
 * document of tldraw records) once at start, so V8 has compiled it before the first user waits
 * on it: loading a 10,000-shape room right after a start otherwise spends most of its time in
 * unoptimised code. Takes about 0.2 s of start-up.
 */
export async function warmUp(store: RoomStore): Promise<void> {
  const source = new Y.Doc()
  const records = source.getMap(BOARD_RECORDS_MAP)
  source.transact(() => {
    for (let i = 0; i < 2_000; i++) records.set(`shape:warm-up-${i}`, geoShapeRecord(`shape:warm-up-${i}`, { x: i, meta: { i } }))
  })
  const update = Y.encodeStateAsUpdate(source)
  for (let round = 0; round < 3; round++) {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, update)
    Y.encodeStateAsUpdate(doc)
    doc.destroy()
  }
  source.destroy()
  await store.warmUp?.()
}
