import { ConfigError } from './lib/config.ts'
import { appConfig } from './app/_server/config.ts'

/**
 * Next calls this once as the server starts (`next dev`, `next start`, app/_server/httpServer.mjs),
 * before any request: a bad variable stops the app here, with a message naming it.
 */
export function register(): void {
  try {
    appConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`app: ${error.message}`)
    process.exit(1)
  }
}
