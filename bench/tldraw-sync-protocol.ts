/**
 * The messages of tldraw's sync protocol (@tldraw/sync-core 5.4.2) that the load generator
 * speaks: JSON text frames. Written from the protocol's shape, not from tldraw's code: sync-core
 * marks these types internal, and the generator must type-check before bench/peers is installed.
 *
 * Client → server: `connect` (protocol version and serialized schema), `push` (a diff of records
 * and/or this session's presence record), `ping`. Server → client: `connect` (the whole document
 * and presences), `data` (patches and push results, batched per session at most every 1/60 s),
 * a bare `patch` or `push_result`, `pong`, `incompatibility_error`.
 */

/** The protocol version of @tldraw/sync-core 5.4.2; its server refuses a connect with another one. */
export const TLDRAW_SYNC_PROTOCOL_VERSION = 8

/** sync-core's server drops a session that sent nothing for 20 s; its own client pings more often. */
export const TLDRAW_PING_INTERVAL_MS = 5_000

/** A store record as JSON (shape, page, instance_presence, …). */
export interface JsonRecord {
  id: string
  typeName: string
  [field: string]: unknown
}

/** One field's change: a new value, a patch of a nested object, a deleted key, or items appended to an array or string. */
export type ValueOp = ['put', unknown] | ['patch', FieldsPatch] | ['delete'] | ['append', unknown, number]
export type FieldsPatch = { [field: string]: ValueOp }

/** One record's change in a diff, keyed by record id. */
export type RecordOp = ['put', JsonRecord] | ['patch', FieldsPatch] | ['remove']
export type RecordsDiff = { [id: string]: RecordOp }

export type ClientMessage =
  | { type: 'connect'; connectRequestId: string; lastServerClock: number; protocolVersion: number; schema: unknown }
  | { type: 'push'; clientClock: number; diff?: RecordsDiff; presence?: ['put', JsonRecord] | ['patch', FieldsPatch] }
  | { type: 'ping' }

/** What a server frame means to the generator; a `data` frame becomes several. */
export type ServerEvent =
  | { kind: 'connected'; diff: RecordsDiff }
  | { kind: 'patch'; diff: RecordsDiff }
  | { kind: 'push-result'; clientClock: number; action: string }
  | { kind: 'pong' }
  | { kind: 'refused'; reason: string }
  | { kind: 'other' }

export class MalformedServerFrameError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function readDiff(value: unknown): RecordsDiff {
  if (!isObject(value)) throw new MalformedServerFrameError('diff is not an object')
  return value as RecordsDiff
}

function readDataEvent(event: unknown): ServerEvent {
  if (!isObject(event)) throw new MalformedServerFrameError('data event is not an object')
  if (event.type === 'patch') return { kind: 'patch', diff: readDiff(event.diff) }
  if (event.type === 'push_result') {
    const action = typeof event.action === 'string' ? event.action : 'rebase'
    return { kind: 'push-result', clientClock: Number(event.clientClock), action }
  }
  return { kind: 'other' }
}

/** Reads one text frame from the server. */
export function readServerFrame(text: string): ServerEvent[] {
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    throw new MalformedServerFrameError('not JSON')
  }
  if (!isObject(message)) throw new MalformedServerFrameError('not an object')
  switch (message.type) {
    case 'connect':
      return [{ kind: 'connected', diff: readDiff(message.diff) }]
    case 'data':
      if (!Array.isArray(message.data)) throw new MalformedServerFrameError('data is not an array')
      return message.data.map(readDataEvent)
    case 'patch':
    case 'push_result':
      return [readDataEvent(message)]
    case 'pong':
      return [{ kind: 'pong' }]
    case 'incompatibility_error':
      return [{ kind: 'refused', reason: String(message.reason) }]
    default:
      return [{ kind: 'other' }]
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b)
}

/**
 * The fields of `after` that differ from `before`: nested objects as patches, anything else
 * (numbers, strings, arrays) put whole; null when nothing changed. This is the shape of
 * tldraw's record patches (it also appends to arrays and strings, which the generator never needs).
 */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>): FieldsPatch | null {
  const patch: FieldsPatch = {}
  let changed = false
  for (const [key, value] of Object.entries(after)) {
    const previous = before[key]
    if (sameJson(previous, value)) continue
    changed = true
    if (isObject(previous) && isObject(value)) patch[key] = ['patch', diffFields(previous, value) ?? {}]
    else patch[key] = ['put', value]
  }
  for (const key of Object.keys(before)) {
    if (!(key in after)) {
      changed = true
      patch[key] = ['delete']
    }
  }
  return changed ? patch : null
}

/** Applies a fields patch to a record, returning the new record (the input is not changed). */
export function applyFieldsPatch<T extends Record<string, unknown>>(record: T, patch: FieldsPatch): T {
  const next: Record<string, unknown> = { ...record }
  for (const [key, op] of Object.entries(patch)) {
    switch (op[0]) {
      case 'put':
        next[key] = op[1]
        break
      case 'delete':
        delete next[key]
        break
      case 'patch': {
        const nested = next[key]
        next[key] = applyFieldsPatch(isObject(nested) ? nested : {}, op[1])
        break
      }
      case 'append': {
        const current = next[key]
        if (Array.isArray(current) && Array.isArray(op[1])) next[key] = [...current.slice(0, op[2]), ...op[1]]
        else if (typeof current === 'string' && typeof op[1] === 'string') next[key] = current.slice(0, op[2]) + op[1]
        break
      }
    }
  }
  return next as T
}

/** Applies a records diff to a map of records (puts replace, patches merge, removes delete). */
export function applyRecordsDiff(records: Map<string, JsonRecord>, diff: RecordsDiff): void {
  for (const [id, op] of Object.entries(diff)) {
    if (op[0] === 'put') records.set(id, op[1])
    else if (op[0] === 'remove') records.delete(id)
    else {
      const current = records.get(id)
      if (current) records.set(id, applyFieldsPatch(current, op[1]))
    }
  }
}

/** A number the writer put into the record's `meta` (such as `sentAt`), from a put or from a patch of meta. */
export function metaNumber(op: RecordOp, field: string): number | undefined {
  let value: unknown
  if (op[0] === 'put') value = isObject(op[1].meta) ? op[1].meta[field] : undefined
  else if (op[0] === 'patch') {
    const meta = op[1].meta
    if (meta?.[0] === 'put') value = isObject(meta[1]) ? meta[1][field] : undefined
    else if (meta?.[0] === 'patch') {
      const fieldOp = meta[1][field]
      value = fieldOp?.[0] === 'put' ? fieldOp[1] : undefined
    }
  }
  return typeof value === 'number' ? value : undefined
}

export function connectMessage(connectRequestId: string, schema: unknown): ClientMessage {
  return { type: 'connect', connectRequestId, lastServerClock: 0, protocolVersion: TLDRAW_SYNC_PROTOCOL_VERSION, schema }
}
