import path from 'node:path'

/** Fixed settings of the browser suite: its own ports and secret, so it never meets a dev server. */
export const E2E = {
  appPort: 3100,
  syncPort: 1334,
  appUrl: 'http://127.0.0.1:3100',
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
