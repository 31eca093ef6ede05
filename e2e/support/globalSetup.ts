import { startSyncServer } from './syncServer.ts'

/** The sync server starts here rather than in `webServer` so that spec 5 can restart it. */
export default async function globalSetup(): Promise<void> {
  await startSyncServer()
}
