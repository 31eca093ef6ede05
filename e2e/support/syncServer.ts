import { spawn } from 'node:child_process'
import { openSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { E2E, databaseUrl, runDir } from './environment.ts'
import { serverBundle } from '../../server/tools/build.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const pidFile = () => path.join(runDir(), 'sync.pid')

async function waitFor(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const isHealthy = () =>
  fetch(`http://127.0.0.1:${E2E.syncPort}/healthz`)
    .then((response) => response.ok)
    .catch(() => false)

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Starts the real sync server, from the production bundle `npm start` runs (built from the
 * current source), on the suite's port and database, detached so it outlives the
 * Playwright process that started it (spec 5 restarts it from a worker); its PID goes to a file
 * that global teardown reads.
 */
export async function startSyncServer(): Promise<number> {
  const log = openSync(path.join(runDir(), 'sync.log'), 'a')
  const child = spawn(process.execPath, [await serverBundle()], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      NODE_ENV: process.env.NODE_ENV,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SYNC_HOST: '127.0.0.1',
      SYNC_PORT: String(E2E.syncPort),
      // Metrics on a free port: a dev server on this machine may hold the default one.
      METRICS_PORT: '0',
      PORT: String(E2E.appPort),
      ALLOWED_ORIGINS: `http://127.0.0.1:${E2E.appPort},http://localhost:${E2E.appPort}`,
      DATABASE_URL: databaseUrl(),
      AUTH_SECRET: E2E.authSecret,
      LOG_LEVEL: process.env.E2E_SYNC_LOG_LEVEL ?? 'warn',
    },
  })
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error('could not start the sync server')
  writeFileSync(pidFile(), String(pid))
  await waitFor(async () => (await isHealthy()) || !isRunning(pid), 'the sync server to answer /healthz')
  if (!isRunning(pid)) throw new Error(`the sync server exited at start; see ${path.join(runDir(), 'sync.log')}`)
  return pid
}

/** Stops the sync server this suite started (SIGTERM: it flushes and closes sockets with 1001). */
export async function stopSyncServer(): Promise<void> {
  if (!existsSync(pidFile())) return
  const pid = Number(readFileSync(pidFile(), 'utf8'))
  if (!isRunning(pid)) return
  process.kill(pid, 'SIGTERM')
  await waitFor(() => !isRunning(pid), 'the sync server to exit', 15_000)
}
