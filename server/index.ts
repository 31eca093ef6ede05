import { existsSync, readFileSync } from 'node:fs'
import { loadServerConfig, ConfigError } from '../lib/config.ts'
import { createDatabase, providerOf } from '../lib/db/client.ts'
import { migrateDatabase } from '../lib/db/migrate.ts'
import { createLogger } from './log.ts'
import { PrismaRoomStore } from './storage/prismaRoomStore.ts'
import { createSyncServer } from './http/syncServer.ts'
import { RedisPubSub } from './fanout/redisPubSub.ts'
import { warmUp } from './yjs/warmUp.ts'

// Development settings (AUTH_SECRET) live in .env.local, written by `npm run setup`.
if (existsSync('.env.local')) process.loadEnvFile('.env.local')

async function main(): Promise<void> {
  let config
  try {
    config = loadServerConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  const log = createLogger(config.logLevel)
  const applied = await migrateDatabase(config.databaseUrl)
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')
  const store = new PrismaRoomStore(await createDatabase(config.databaseUrl), providerOf(config.databaseUrl))
  await warmUp(store)
  const tls = config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined
  let pubsub: RedisPubSub | undefined
  if (config.redisUrl) {
    pubsub = await RedisPubSub.connect(config.redisUrl, config.redisPrefix, log)
    log.info({ instance: pubsub.instanceId }, 'fan-out through redis')
  }
  const server = createSyncServer(config, store, log, { tls, pubsub })
  const port = await server.listen()
  log.info({ host: config.host, port, tls: Boolean(tls), metricsPort: server.metricsPort }, 'sync server listening')

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    const forceExit = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2_000)
    forceExit.unref()
    await server.close()
    await store.close()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((error) => {
  console.error('sync server failed to start:', error)
  process.exit(1)
})
