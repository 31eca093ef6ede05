import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { defaultShapeSchemas, richTextValidator, toRichText } from '@tldraw/tlschema'
import { defaultShapeUtils } from 'tldraw'
import { MessageType } from '../../lib/protocol.ts'
import { InvalidUpdateError, SERVER_SCHEMA, validateUpdate } from './validation.ts'
import {
  authedRawClient,
  boardRecords,
  createTempDatabase,
  providerClient,
  savedThrough,
  rawClient,
  shape,
  startServer,
  storedDoc,
  tokenFor,
  waitUntil,
  type ProviderClient,
  type RawClient,
  type TestServer,
} from '../testing/support.ts'

/** The update a change to `doc` produces. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | null = null
  const capture = (u: Uint8Array) => (update = u)
  doc.on('update', capture)
  change()
  doc.off('update', capture)
  if (!update) throw new Error('no update')
  return update
}

function reasonOf(doc: Y.Doc, update: Uint8Array): string | null {
  try {
    validateUpdate(doc, update)
    return null
  } catch (error) {
    if (error instanceof InvalidUpdateError) return error.message
    throw error
  }
}

describe('document validation (unit)', () => {
  it('accepts valid tldraw records, overwrites of them and deletes', () => {
    const server = new Y.Doc()
    const client = new Y.Doc()
    const create = updateOf(client, () => boardRecords(client).set('shape:a', shape('shape:a')))
    expect(reasonOf(server, create)).toBeNull()
    Y.applyUpdate(server, create)
    // An overwrite carries no parent info: the validator follows its origin into the server's doc.
    const move = updateOf(client, () => boardRecords(client).set('shape:a', { ...shape('shape:a'), x: 50 }))
    expect(reasonOf(server, move)).toBeNull()
    Y.applyUpdate(server, move)
    const remove = updateOf(client, () => boardRecords(client).delete('shape:a'))
    expect(reasonOf(server, remove)).toBeNull()
    const page = updateOf(client, () => boardRecords(client).set('page:p2', { id: 'page:p2', typeName: 'page', name: 'Two', index: 'a2', meta: {} } as never))
    expect(reasonOf(server, page)).toBeNull()
  })

  it('refuses invalid fields, naming them', () => {
    const doc = new Y.Doc()
    const bad = updateOf(doc, () => boardRecords(doc).set('shape:a', { ...shape('shape:a'), x: 'left' } as never))
    expect(reasonOf(new Y.Doc(), bad)).toMatch(/x: Expected number/)
  })

  it('refuses an overwrite that turns a valid record invalid', () => {
    const server = new Y.Doc()
    const client = new Y.Doc()
    const create = updateOf(client, () => boardRecords(client).set('shape:a', shape('shape:a')))
    Y.applyUpdate(server, create)
    const corrupt = updateOf(client, () => boardRecords(client).set('shape:a', { ...shape('shape:a'), opacity: 'lots' } as never))
    expect(reasonOf(server, corrupt)).toMatch(/opacity/)
  })

  it('refuses session records, ids that do not match keys, other root types, nested types and image bytes', () => {
    const doc = new Y.Doc()
    const camera = updateOf(doc, () => boardRecords(doc).set('camera:c', { id: 'camera:c', typeName: 'camera', x: 0, y: 0, z: 1, meta: {} } as never))
    expect(reasonOf(new Y.Doc(), camera)).toMatch(/not a document record type/)
    const mismatch = updateOf(doc, () => boardRecords(doc).set('shape:x', shape('shape:y')))
    expect(reasonOf(new Y.Doc(), mismatch)).toMatch(/id does not match/)
    const other = updateOf(doc, () => doc.getMap('elsewhere').set('k', 1))
    expect(reasonOf(new Y.Doc(), other)).toMatch(/outside the board map/)
    const nested = updateOf(doc, () => boardRecords(doc).set('shape:n', new Y.Map() as never))
    expect(reasonOf(new Y.Doc(), nested)).toMatch(/plain values|nested/)
    const text = updateOf(doc, () => doc.getText('records-text').insert(0, 'hi'))
    expect(reasonOf(new Y.Doc(), text)).not.toBeNull()
    const asset = updateOf(doc, () =>
      boardRecords(doc).set('asset:i', {
        id: 'asset:i',
        typeName: 'asset',
        type: 'image',
        props: { name: 'x.png', src: 'data:image/png;base64,AAAA', w: 1, h: 1, mimeType: 'image/png', isAnimated: false },
        meta: {},
      } as never),
    )
    expect(reasonOf(new Y.Doc(), asset)).toMatch(/asset store/)
  })
})

/** Every default shape type whose props hold rich text (geo, text, note and arrow labels). */
const RICH_TEXT_SHAPE_TYPES = Object.entries(defaultShapeSchemas)
  .filter(([, schema]) => Object.values(schema.props ?? {}).includes(richTextValidator))
  .map(([type]) => type)

/** A complete `type` shape with tldraw's own default props and the given rich text. */
function shapeWithRichText(type: string, id: string, richText: unknown) {
  const Util = defaultShapeUtils.find((util) => util.type === type)
  if (!Util) throw new Error(`no shape util for ${type}`)
  // getDefaultProps reads nothing from the editor.
  const props: object = new Util({} as never).getDefaultProps()
  return { ...shape(id), type, props: { ...props, richText } }
}

const POISONED_RICH_TEXT = {
  'an unknown node type': { value: { type: 'doc', content: [{ type: 'bogusNode' }] }, reason: /invalid rich text: Unknown node type: bogusNode/ },
  'an empty text node': {
    value: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] },
    reason: /invalid rich text: Empty text nodes are not allowed/,
  },
}

describe('rich text validation (unit)', () => {
  it('covers geo, text, note and arrow shapes', () => {
    expect(RICH_TEXT_SHAPE_TYPES.sort()).toEqual(['arrow', 'geo', 'note', 'text'])
  })

  for (const type of RICH_TEXT_SHAPE_TYPES) {
    it(`${type} shapes: accepts valid rich text, refuses an unknown node type and an empty text node`, () => {
      const formatted = {
        type: 'doc',
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'bold', marks: [{ type: 'bold' }] }] },
          { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'item' }] }] }] },
        ],
      }
      for (const richText of [toRichText('hello\nworld'), toRichText(''), formatted]) {
        const doc = new Y.Doc()
        const valid = updateOf(doc, () => boardRecords(doc).set(`shape:${type}`, shapeWithRichText(type, `shape:${type}`, richText) as never))
        expect(reasonOf(new Y.Doc(), valid)).toBeNull()
      }
      for (const { value, reason } of Object.values(POISONED_RICH_TEXT)) {
        const doc = new Y.Doc()
        const poisoned = updateOf(doc, () => boardRecords(doc).set(`shape:${type}`, shapeWithRichText(type, `shape:${type}`, value) as never))
        expect(reasonOf(new Y.Doc(), poisoned)).toMatch(reason)
      }
    })
  }

  it('refuses an overwrite that poisons the rich text of a valid shape', () => {
    const server = new Y.Doc()
    const client = new Y.Doc()
    const create = updateOf(client, () => boardRecords(client).set('shape:t', shapeWithRichText('text', 'shape:t', toRichText('fine')) as never))
    Y.applyUpdate(server, create)
    const poison = updateOf(client, () =>
      boardRecords(client).set('shape:t', shapeWithRichText('text', 'shape:t', POISONED_RICH_TEXT['an unknown node type'].value) as never),
    )
    expect(reasonOf(server, poison)).toMatch(/^shape:t: invalid rich text/)
  })
})

describe('document validation (server)', () => {
  let database: Awaited<ReturnType<typeof createTempDatabase>>
  let server: TestServer
  const clients: ProviderClient[] = []
  const raws: RawClient[] = []

  beforeEach(async () => {
    database = await createTempDatabase()
    server = await startServer(database.url)
  })

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const raw of raws.splice(0)) raw.ws.terminate()
    await server.stop()
    await database.remove()
  })

  /** An honest provider client, synced, and an authenticated raw socket in `room`. */
  async function honestAndAttacker(room: string): Promise<{ honest: ProviderClient; attacker: RawClient }> {
    const honest = providerClient(server.url, room, { sub: 'honest' })
    clients.push(honest)
    await waitUntil(() => honest.provider.synced, 'synced')
    const attacker = await authedRawClient(server.url, room, await tokenFor(room, { sub: 'bad' }))
    raws.push(attacker)
    return { honest, attacker }
  }

  /** Sends the whole of `doc` as one sync update on a raw socket. */
  function sendAsUpdate(raw: RawClient, doc: Y.Doc): void {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.sync)
    syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(doc))
    raw.ws.send(encoding.toUint8Array(encoder))
  }

  it('closes a socket that writes an invalid record with 1007 and a reason; honest clients never see it', async () => {
    const { honest, attacker } = await honestAndAttacker('valid')
    const doc = new Y.Doc()
    boardRecords(doc).set('shape:ok', shape('shape:ok'))
    boardRecords(doc).set('shape:bad', { ...shape('shape:bad'), rotation: 'spin' } as never)
    sendAsUpdate(attacker, doc)
    const closed = await attacker.closed
    expect(closed.code).toBe(1007)
    expect(closed.reason).toMatch(/rotation/)
    // Refused as a whole: not even the valid record of that update arrives.
    boardRecords(honest.doc).set('shape:after', shape('shape:after'))
    await waitUntil(() => boardRecords(server.server.rooms.get('valid')!.doc).has('shape:after'), 'honest edit stored')
    expect(boardRecords(honest.doc).has('shape:ok')).toBe(false)
    expect(boardRecords(server.server.rooms.get('valid')!.doc).has('shape:bad')).toBe(false)
  })

  for (const [name, { value, reason }] of Object.entries(POISONED_RICH_TEXT)) {
    it(`closes a socket that writes rich text with ${name} with 1007; nothing is relayed or stored`, async () => {
      const { honest, attacker } = await honestAndAttacker('poison')
      const doc = new Y.Doc()
      boardRecords(doc).set('shape:poison', shapeWithRichText('geo', 'shape:poison', value) as never)
      sendAsUpdate(attacker, doc)
      const closed = await attacker.closed
      expect(closed.code).toBe(1007)
      expect(closed.reason).toMatch(reason)
      const saves = savedThrough(honest)
      boardRecords(honest.doc).set('shape:after', shape('shape:after'))
      await waitUntil(() => savedThrough(honest) > saves, 'honest edit stored')
      expect(boardRecords(honest.doc).has('shape:poison')).toBe(false)
      const stored = await storedDoc(database.url, 'poison')
      expect(boardRecords(stored).has('shape:after')).toBe(true)
      expect(boardRecords(stored).has('shape:poison')).toBe(false)
    })
  }
})

describe('tldraw schema versions', () => {
  let database: Awaited<ReturnType<typeof createTempDatabase>>
  let server: TestServer

  beforeEach(async () => {
    database = await createTempDatabase()
    server = await startServer(database.url, { compactAfterUpdates: 2, persistIntervalMs: 5 })
  })

  afterEach(async () => {
    await server.stop()
    await database.remove()
  })

  async function authWithSchema(schema: unknown): Promise<RawClient> {
    const client = rawClient(server.url, 'schema')
    await client.opened
    client.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('schema'), schema }))
    return client
  }

  it('refuses a client whose schema is newer than the server reads, asking it to reload', async () => {
    const newer = { ...SERVER_SCHEMA, sequences: { ...SERVER_SCHEMA.sequences, 'com.tldraw.shape': SERVER_SCHEMA.sequences['com.tldraw.shape'] + 1 } }
    const client = await authWithSchema(newer)
    const closed = await client.closed
    expect(closed.code).toBe(4426)
    expect(closed.reason).toMatch(/please reload/)
    const current = await authWithSchema(SERVER_SCHEMA)
    await waitUntil(() => current.controls().some((m) => m.type === 'auth-ok'), 'current schema accepted')
    current.ws.terminate()
  })

  it('records the schema with the document when it compacts', async () => {
    const writer = providerClient(server.url, 'schema', { sub: 'w' })
    for (let i = 0; i < 4; i++) {
      const saves = savedThrough(writer)
      boardRecords(writer.doc).set(`shape:${i}`, shape(`shape:${i}`))
      await waitUntil(() => savedThrough(writer) > saves, 'saved')
    }
    await waitUntil(async () => (await server.db.roomSnapshot.findUnique({ where: { roomId: 'schema' } }))?.schemaVersion != null, 'snapshot with schema')
    const snapshot = await server.db.roomSnapshot.findUnique({ where: { roomId: 'schema' } })
    expect(JSON.parse(snapshot!.schemaVersion!)).toEqual(SERVER_SCHEMA)
    writer.destroy()
  })

  it('does not load a document written with a newer schema (1011), and leaves it untouched', async () => {
    const newer = { ...SERVER_SCHEMA, schemaVersion: SERVER_SCHEMA.schemaVersion + 1 }
    const doc = new Y.Doc()
    boardRecords(doc).set('shape:future', shape('shape:future'))
    await server.db.room.create({ data: { id: 'future', editId: 'future', viewId: 'future-view' } })
    await server.db.roomSnapshot.create({ data: { roomId: 'future', data: new Uint8Array(Y.encodeStateAsUpdate(doc)), lastUpdateId: 0, schemaVersion: JSON.stringify(newer) } })
    const client = rawClient(server.url, 'future')
    await client.opened
    client.ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('future') }))
    expect(await client.closed).toEqual({ code: 1011, reason: 'room unavailable' })
    const snapshot = await server.db.roomSnapshot.findUnique({ where: { roomId: 'future' } })
    expect(JSON.parse(snapshot!.schemaVersion!)).toEqual(newer)
  })
})
