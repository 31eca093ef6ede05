/**
 * `npm run cluster`: a local scaled-out set-up — CLUSTER_SIZE (default 3) sync-server instances
 * on SYNC_PORT+1… behind a tiny round-robin TCP proxy on SYNC_PORT, sharing DATABASE_URL
 * (PostgreSQL) and REDIS_URL. The multi-instance tests use the same pieces.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { loadServerConfig } from '../../lib/config.ts'
import { serverBundle } from './build.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

export interface SyncServerProcess {
  child: ChildProcess
  port: number
  /** The loopback port its /metrics is served on. */
  metricsPort: number
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
}

/**
 * Starts one sync server as its own node process, from the production bundle built from the
 * current source (server/tools/build.ts), so the PID is the server itself and a SIGKILL reaches it.
 * Resolves once it listens; SYNC_PORT=0 picks a free port.
 */
export async function spawnSyncServer(env: NodeJS.ProcessEnv, cwd = ROOT): Promise<SyncServerProcess> {
  const entry = await serverBundle()
  // Readiness is read from the "listening" log line, so logs stay at info or more verbose.
  const logLevel = env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'info'
  const child = spawn(process.execPath, [entry], {
    env: { ...env, LOG_LEVEL: logLevel },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"port":(\d+),"tls":(?:true|false),"metricsPort":(\d+),"msg":"sync server listening"/.exec(output)
      if (match) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve({ child, port: Number(match[1]), metricsPort: Number(match[2]), exited })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`sync server exited with ${code}: ${output.slice(-2000)}`)))
  })
}

/** A TCP proxy that hands each new connection to the next backend in turn, skipping dead ones. */
export function startRoundRobinProxy(port: number, host: string, backends: () => number[]): Promise<net.Server> {
  let next = 0
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy())
    const ports = backends()
    const attempt = (tries: number) => {
      if (tries >= ports.length) {
        client.destroy()
        return
      }
      const backend = net.connect(ports[next++ % ports.length], host)
      let connected = false
      backend.once('connect', () => {
        connected = true
        client.pipe(backend)
        backend.pipe(client)
        client.once('close', () => backend.destroy())
        backend.once('close', () => client.destroy())
      })
      backend.on('error', () => {
        if (connected) client.destroy()
        else attempt(tries + 1)
      })
    }
    attempt(0)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(server))
  })
}

export interface Cluster {
  proxy: net.Server
  proxyPort: number
  instances: SyncServerProcess[]
  /** Replaces instance `index` by a fresh process on the same port. */
  restart(index: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts `size` instances on `basePort+1…` and the proxy on `basePort` (0: any free ports). Each
 * instance serves its metrics on a free loopback port (`instances[i].metricsPort`) unless
 * METRICS_PORT is set (then only one instance per host can start).
 */
export async function startCluster(size: number, basePort: number, host: string, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const instances = await Promise.all(
    Array.from({ length: size }, (_, i) => spawnSyncServer({ METRICS_PORT: '0', ...env, SYNC_HOST: host, SYNC_PORT: String(basePort === 0 ? 0 : basePort + 1 + i) })),
  )
  const ports = instances.map((instance) => instance.port)
  const live = () => ports.filter((_, i) => instances[i].child.exitCode === null && instances[i].child.signalCode === null)
  const proxy = await startRoundRobinProxy(basePort, host, live)
  const proxyPort = (proxy.address() as net.AddressInfo).port
  return {
    proxy,
    proxyPort,
    instances,
    async restart(index) {
      instances[index] = await spawnSyncServer({ METRICS_PORT: '0', ...env, SYNC_HOST: host, SYNC_PORT: String(ports[index]) })
    },
    async stop() {
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
      for (const instance of instances) if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGTERM')
      await Promise.all(instances.map((instance) => instance.exited))
    },
  }
}

async function main(): Promise<void> {
  if (existsSync('.env.local')) process.loadEnvFile('.env.local')
  // The instances validate the rest themselves; the proxy needs the address and the fan-out.
  const { port, host, redisUrl } = loadServerConfig(process.env)
  const size = Number(process.env.CLUSTER_SIZE ?? 3)
  if (!Number.isInteger(size) || size < 1) {
    console.error(`CLUSTER_SIZE must be a whole number of at least 1 (got ${JSON.stringify(process.env.CLUSTER_SIZE)})`)
    process.exit(1)
  }
  if (!redisUrl) {
    console.error('npm run cluster needs REDIS_URL (e.g. redis://127.0.0.1:6379) and a shared DATABASE_URL (PostgreSQL)')
    process.exit(1)
  }
  const cluster = await startCluster(size, port, host, process.env)
  console.warn(
    `cluster: proxy on ${host}:${cluster.proxyPort} → instances on ${cluster.instances.map((i) => i.port).join(', ')}` +
      ` (metrics on 127.0.0.1:${cluster.instances.map((i) => i.metricsPort).join(', ')})`,
  )
  const stop = async () => {
    await cluster.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

if (process.argv[1] === import.meta.filename) void main()
