import { loadAppConfig, type AppConfig } from '../../lib/config.ts'

let config: AppConfig | undefined

/**
 * The app's configuration, parsed from the environment on first use and kept. instrumentation.ts
 * asks for it when the server starts, so a bad value stops the app there instead of failing requests.
 */
export function appConfig(): AppConfig {
  config ??= loadAppConfig(process.env)
  return config
}
