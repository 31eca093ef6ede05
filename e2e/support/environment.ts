import path from 'node:path'

// Two suites can run side by side on one machine when one of them sets E2E_APP_PORT and E2E_SYNC_PORT.
const appPort = Number(process.env.E2E_APP_PORT ?? 3100)
const syncPort = Number(process.env.E2E_SYNC_PORT ?? 1334)

/** Settings of the browser suite: its own ports (3100 and 1334 by default) and secret, so it never meets a dev server. */
export const E2E = {
  appPort,
  syncPort,
  appUrl: `http://127.0.0.1:${appPort}`,
  authSecret: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
} as const

/** The run's temporary folder (database, sync server PID and log), created by playwright.config.ts. */
export function runDir(): string {
  const dir = process.env.E2E_RUN_DIR
  if (!dir) throw new Error('E2E_RUN_DIR is not set: run the suite through playwright.config.ts')
  return dir
}

export function databaseUrl(): string {
  return `file:${path.join(runDir(), 'e2e.db')}`
}
