/**
 * The integration tests' fixture: a temporary database, a sync server over it (in this process or
 * as the production bundle in a child process) and its clients, each of which registers its own
 * teardown with vitest's `onTestFinished`. Call these inside a test: whatever a test starts is
 * closed when it ends (clients first, then servers, then databases, the reverse of their start),
 * whether it passed or failed.
 */
import { onTestFinished } from 'vitest'
import type { SyncServerConfig } from '../http/syncServer.ts'
import type { SyncStorage } from '../storage/roomStore.ts'
import {
  authedRawClient,
  createTempDatabase,
  providerClient,
  rawClient,
  startServer,
  startServerProcess,
  tokenFor,
  upgradedSocket,
  TEST_ORIGIN,
  type ProviderClient,
  type RawClient,
  type ServerProcess,
  type TestServer,
  type UpgradedSocket,
} from './support.ts'

/** A temporary, migrated database (SQLite, or PostgreSQL with TEST_DATABASE_PROVIDER=postgresql). */
export interface TestDatabase {
  url: string
  /** A temporary folder that goes with it (for certificates and other files of the test). */
  dir: string
}

/** A temporary database, removed when the test finishes. */
export async function useTempDatabase(provider?: 'sqlite' | 'postgresql'): Promise<TestDatabase> {
  const database = await createTempDatabase(provider)
  onTestFinished(() => database.remove())
  return { url: database.url, dir: database.dir }
}

/** Clients of a server under test; each is closed when the test finishes. */
export interface TestClients {
  /** A y-websocket provider through the browser's auth-first socket. */
  connect(room: string, options?: Parameters<typeof providerClient>[2]): ProviderClient
  /** A plain `ws` client that sends only what the test sends (not yet authenticated). */
  raw(room: string, headers?: Record<string, string>): RawClient
  /** A plain `ws` client authenticated with `token`, or with one signed for `identity`, after auth-ok. */
  authed(room: string, identity?: Parameters<typeof tokenFor>[1] & { token?: string }): Promise<RawClient>
}

export interface StartedTestServer extends TestServer, TestClients {
  database: TestDatabase
  /** A hand-upgraded TCP socket (never answers a close frame), destroyed when the test finishes. */
  upgraded(room: string, headers?: Record<string, string>): Promise<UpgradedSocket>
}

export interface TestServerOptions {
  /** Overrides of the test configuration (server/testing/support.ts testConfig). */
  config?: Partial<SyncServerConfig>
  /** The database to serve; a fresh temporary one when omitted. */
  database?: TestDatabase
  /** A store to use instead of a PrismaRoomStore over the database. */
  store?: SyncStorage
}

/** Clients of the server at `url` (one this fixture did not start, such as a cluster's instance). */
export function testClients(url: string): TestClients {
  return {
    connect(room, options = {}) {
      const client = providerClient(url, room, options)
      onTestFinished(() => client.destroy())
      return client
    },
    raw(room, headers = { origin: TEST_ORIGIN }) {
      const client = rawClient(url, room, headers)
      onTestFinished(() => client.ws.terminate())
      return client
    },
    async authed(room, identity = {}) {
      const client = await authedRawClient(url, room, identity.token ?? (await tokenFor(room, identity)))
      onTestFinished(() => client.ws.terminate())
      return client
    },
  }
}

/** Starts the sync server in this process on an ephemeral port; stopped when the test finishes. */
export async function startTestServer(options: TestServerOptions = {}): Promise<StartedTestServer> {
  const database = options.database ?? (await useTempDatabase())
  const server = await startServer(database.url, options.config, options.store)
  let stopped: Promise<void> | null = null
  const stop = () => (stopped ??= server.stop())
  onTestFinished(stop)
  return {
    ...server,
    stop,
    database,
    ...testClients(server.url),
    async upgraded(room, headers) {
      const socket = await upgradedSocket(server.port, room, headers)
      onTestFinished(() => void socket.socket.destroy())
      return socket
    },
  }
}

export interface StartedTestProcess extends ServerProcess, TestClients {
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>
}

/**
 * Starts the production bundle as a child process over `database` (with `env` on top of the test
 * environment); killed, if still running, when the test finishes.
 */
export async function startTestProcess(database: TestDatabase, env: Record<string, string> = {}): Promise<StartedTestProcess> {
  const proc = await startServerProcess({ DATABASE_URL: database.url, ...env })
  const kill = async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL')
    await proc.exited
  }
  onTestFinished(kill)
  return { ...proc, kill, ...testClients(proc.url) }
}
