import { ConfigError, loadAppConfig, type AppConfig } from '../../lib/config.ts'

let config: AppConfig | undefined

/**
 * The app's configuration, parsed from the environment on first use and kept. instrumentation.ts
 * asks for it when the server starts, so a bad value stops the app there instead of failing requests.
 */
export function appConfig(): AppConfig {
  config ??= loadAppConfig(process.env)
  return config
}

/** For instrumentation.ts: parses the configuration, or ends the process with a message naming each bad variable. */
export function checkAppConfigAtStart(): void {
  try {
    appConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`app: ${error.message}`)
    process.exit(1)
  }
}
