import { rmSync } from 'node:fs'
import { runDir } from './environment.ts'
import { stopSyncServer } from './syncServer.ts'

export default async function globalTeardown(): Promise<void> {
  await stopSyncServer()
  if (!process.env.E2E_KEEP_RUN_DIR) rmSync(runDir(), { recursive: true, force: true })
}
