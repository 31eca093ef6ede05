import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VersionSummary } from '../../lib/versions.ts'
import { createLogger } from '../log.ts'
import type { SaveVersionOptions } from '../storage/roomStore.ts'
import { VersionKeeper } from './versionKeeper.ts'

const IDLE_MS = 1_000
const EVERY_MS = 10_000

/** A version store that records every save (and when), and can be made to fail. */
function fakeVersionStore() {
  const saves: { at: number; options: SaveVersionOptions }[] = []
  const thinned: number[] = []
  let failuresLeft = 0
  return {
    saves,
    thinned,
    failNext: (count: number) => void (failuresLeft = count),
    async saveVersion(_roomId: string, options: SaveVersionOptions): Promise<VersionSummary | null> {
      if (failuresLeft > 0) {
        failuresLeft--
        throw new Error('database away')
      }
      saves.push({ at: Date.now(), options })
      return { id: `v${saves.length}`, createdAt: new Date().toISOString(), kind: options.kind, label: options.label, authors: [], shapeCount: 0 }
    },
    async thinVersions(): Promise<number> {
      thinned.push(Date.now())
      return 0
    },
  }
}

function setUp() {
  const store = fakeVersionStore()
  const flushes: number[] = []
  const live = vi.fn()
  const saved = vi.fn()
  const keeper = new VersionKeeper(
    'r',
    { store, log: createLogger('silent'), versionIdleMs: IDLE_MS, versionEveryMs: EVERY_MS, versionRetentionDays: 30 },
    { flush: async () => void flushes.push(Date.now()), live, saved },
  )
  return { store, flushes, keeper, live, saved }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('VersionKeeper', () => {
  it('saves an automatic version once the room has been quiet for the idle period after a burst, flushing first and thinning after', async () => {
    const { store, flushes, keeper, live, saved } = setUp()
    for (let i = 0; i < 5; i++) {
      keeper.changed()
      await vi.advanceTimersByTimeAsync(300)
    }
    // The last change was at 1200 ms: quiet until 2200 ms.
    await vi.advanceTimersByTimeAsync(IDLE_MS - 301)
    expect(store.saves).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(store.saves).toEqual([{ at: 2_200, options: { kind: 'auto', label: null, skipIfUnchanged: true, live } }])
    expect(flushes).toEqual([2_200])
    expect(store.thinned).toEqual([2_200])
    expect(saved).toHaveBeenCalledTimes(1)
    keeper.stop()
  })

  it('saves at least every EVERY_MS during continuous editing', async () => {
    const { store, keeper } = setUp()
    for (let t = 0; t < 25_000; t += 200) {
      keeper.changed()
      await vi.advanceTimersByTimeAsync(200)
    }
    expect(store.saves.map((save) => save.at)).toEqual([10_000, 20_000])
    keeper.stop()
  })

  it('saves nothing without changes, and only once per burst', async () => {
    const { store, keeper } = setUp()
    await vi.advanceTimersByTimeAsync(3 * EVERY_MS)
    expect(store.saves).toEqual([])
    keeper.changed()
    await vi.advanceTimersByTimeAsync(3 * EVERY_MS)
    expect(store.saves.map((save) => save.at)).toEqual([3 * EVERY_MS + IDLE_MS])
    await keeper.saveIfChanged()
    expect(store.saves).toHaveLength(1)
    keeper.stop()
  })

  it('on eviction saves a changed room at once, and nothing for an unchanged one', async () => {
    const { store, keeper } = setUp()
    await keeper.saveIfChanged()
    expect(store.saves).toEqual([])
    keeper.changed()
    await vi.advanceTimersByTimeAsync(10)
    await keeper.saveIfChanged()
    expect(store.saves.map((save) => save.at)).toEqual([10])
    // Its timers went with the save: nothing more follows.
    await vi.advanceTimersByTimeAsync(3 * EVERY_MS)
    expect(store.saves).toHaveLength(1)
    keeper.stop()
  })

  it('a failed save is logged and retried at the next trigger', async () => {
    const { store, keeper } = setUp()
    store.failNext(1)
    keeper.changed()
    await vi.advanceTimersByTimeAsync(IDLE_MS)
    expect(store.saves).toEqual([])
    // Still changed: the next change's idle period saves it, as would an eviction.
    keeper.changed()
    await vi.advanceTimersByTimeAsync(IDLE_MS)
    expect(store.saves.map((save) => save.at)).toEqual([2 * IDLE_MS])
    store.failNext(1)
    keeper.changed()
    await vi.advanceTimersByTimeAsync(IDLE_MS)
    await keeper.saveIfChanged()
    expect(store.saves.map((save) => save.at)).toEqual([2 * IDLE_MS, 3 * IDLE_MS])
    keeper.stop()
  })

  it('stop clears the timers: a stopped keeper saves nothing by itself', async () => {
    const { store, keeper } = setUp()
    keeper.changed()
    await keeper.stop()
    keeper.changed()
    await vi.advanceTimersByTimeAsync(3 * EVERY_MS)
    expect(store.saves).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
