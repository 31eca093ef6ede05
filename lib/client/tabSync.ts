import * as Y from 'yjs'

/**
 * Keeps the documents of one board open in several tabs of this browser equal, with or without
 * the server: every change is posted to the others over a BroadcastChannel, and a tab that opens
 * asks the others for what it lacks. Only edit links use it (a view tab has no changes to share,
 * and the server stays the only way into a read-only tab).
 */

type TabMessage = { type: 'state-vector'; stateVector: Uint8Array; reply: boolean } | { type: 'update'; update: Uint8Array }

/** Transaction origin of changes received from another tab. */
export const TAB_SYNC_ORIGIN = Symbol('other tab')

export function startTabSync(channelName: string, doc: Y.Doc): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {}
  const channel = new BroadcastChannel(channelName)
  const post = (message: TabMessage) => channel.postMessage(message)
  const onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== TAB_SYNC_ORIGIN) post({ type: 'update', update })
  }
  channel.onmessage = ({ data }: MessageEvent<TabMessage>) => {
    if (data.type === 'update') {
      Y.applyUpdate(doc, data.update, TAB_SYNC_ORIGIN)
      return
    }
    // Another tab opened (or answers our opening): send it what it lacks, and ask once for what we lack.
    const missing = Y.encodeStateAsUpdate(doc, data.stateVector)
    if (missing.byteLength > 2) post({ type: 'update', update: missing })
    if (!data.reply) post({ type: 'state-vector', stateVector: Y.encodeStateVector(doc), reply: true })
  }
  doc.on('update', onUpdate)
  post({ type: 'state-vector', stateVector: Y.encodeStateVector(doc), reply: false })
  return () => {
    doc.off('update', onUpdate)
    channel.close()
  }
}
