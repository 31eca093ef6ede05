import type { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Where the app's HTTP server (app/_server/httpServer.mjs) keeps each request's TCP peer address while Next
 * handles it. Next copies that address into X-Forwarded-For only when the client did not send the
 * header itself, so a route handler cannot tell it from a forged one; this store can. A global
 * symbol, because the server and Next's bundles of this file are different module instances.
 */
export const SOCKET_ADDRESS_STORE = Symbol.for('whiteboard.requestSocketAddress')

/** The TCP peer of the request being handled; undefined when the app runs without app/_server/httpServer.mjs (`next dev`, plain `next start`). */
export function requestSocketAddress(): string | undefined {
  const store = (globalThis as { [SOCKET_ADDRESS_STORE]?: AsyncLocalStorage<string | undefined> })[SOCKET_ADDRESS_STORE]
  return store?.getStore()
}
