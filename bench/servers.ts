/**
 * The servers under test: how each is started as its own process on 127.0.0.1, and how its
 * CPU time and memory are read from /proc. Every server is started as `node <entry>` directly
 * (no npm/npx/tsx wrapper; ours from its production bundle, dist/server/index.mjs, built from
 * the current source), so the child's PID is the server's PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { hocuspocusDialect, whiteboardDialect, yWebsocketDialect } from './dialects.ts'
import { yjsClientProtocol, type ClientProtocol } from './load-client.ts'
import { tldrawSyncProtocol } from './tldraw-load-client.ts'
import { serverBundle } from '../server/tools/build.ts'

export const ROOT = path.resolve(import.meta.dirname, '..')
export const PEERS_DIR = path.join(ROOT, 'bench/peers')
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789'

export type ServerName = 'whiteboard' | 'y-websocket' | 'hocuspocus' | 'hocuspocus-sqlite' | 'tldraw-sync' | 'tldraw-sync-sqlite'

export interface ServerKind {
  name: ServerName
  label: string
  /** How the load generator speaks to it. */
  protocol: ClientProtocol
  /** Where it stores documents: 'our-sqlite' (Prisma tables), 'hocuspocus-sqlite' (its table), 'tldraw-sqlite' (a file per room) or none. */
  storage: 'our-sqlite' | 'hocuspocus-sqlite' | 'tldraw-sqlite' | null
  /** Whether clients need a signed room token (ours) or any string (Hocuspocus) or nothing. */
  needsRoomToken: boolean
}

export const SERVER_KINDS: ServerKind[] = [
  { name: 'whiteboard', label: 'whiteboard (ours, SQLite)', protocol: yjsClientProtocol(whiteboardDialect), storage: 'our-sqlite', needsRoomToken: true },
  { name: 'y-websocket', label: 'y-websocket reference (memory)', protocol: yjsClientProtocol(yWebsocketDialect), storage: null, needsRoomToken: false },
  { name: 'hocuspocus', label: 'Hocuspocus (memory)', protocol: yjsClientProtocol(hocuspocusDialect), storage: null, needsRoomToken: false },
  { name: 'hocuspocus-sqlite', label: 'Hocuspocus + SQLite', protocol: yjsClientProtocol(hocuspocusDialect), storage: 'hocuspocus-sqlite', needsRoomToken: false },
  { name: 'tldraw-sync', label: 'tldraw sync (memory)', protocol: tldrawSyncProtocol, storage: null, needsRoomToken: false },
  { name: 'tldraw-sync-sqlite', label: 'tldraw sync + SQLite', protocol: tldrawSyncProtocol, storage: 'tldraw-sqlite', needsRoomToken: false },
]

export interface StartOptions {
  /** Temporary folder of this run: databases live here. */
  dir: string
  /** Write a V8 CPU profile into this folder when the server exits. */
  cpuProfileDir?: string
  /** Let SIGUSR2 write a heap snapshot into the server's working directory. */
  heapSnapshotOnSignal?: boolean
}

/** Overrides of our server's per-IP and per-socket abuse limits: every simulated user comes from 127.0.0.1. */
const OUR_BENCH_ENV = {
  // Metrics on a free port: a dev server on this machine may hold the default one.
  METRICS_PORT: '0',
  MAX_SOCKETS_PER_IP: '100000',
  CONNECTIONS_PER_SEC_PER_IP: '100000',
  RATE_MESSAGES_PER_SEC: '100000',
  RATE_BYTES_PER_SEC: String(1024 * 1024 * 1024),
  AUTH_QUEUE_MAX_MESSAGES: '64',
  LOG_LEVEL: 'warn',
}

export function ourDatabaseFile(dir: string): string {
  return path.join(dir, 'whiteboard.db')
}

export function hocuspocusDatabaseFile(dir: string): string {
  return path.join(dir, 'hocuspocus.db')
}

/** tldraw's SQLite storage: one database file per room in this folder. */
export function tldrawDatabaseDir(dir: string): string {
  return path.join(dir, 'tldraw')
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      if (!address || typeof address === 'string') return reject(new Error('no port'))
      probe.close(() => resolve(address.port))
    })
  })
}

export class RunningServer {
  private exited: Promise<number | null>

  constructor(
    readonly kind: ServerKind,
    readonly port: number,
    readonly child: ChildProcess,
    readonly cwd: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('server has no pid')
    return this.child.pid
  }

  get baseUrl(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Graceful stop (SIGTERM, the servers flush their documents), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }
}

function serverCommand(kind: ServerKind, port: number, options: StartOptions, ourEntry: string): { args: string[]; env: Record<string, string | undefined>; cwd: string } {
  const nodeFlags: string[] = []
  if (options.cpuProfileDir) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`)
  if (options.heapSnapshotOnSignal) nodeFlags.push('--heapsnapshot-signal=SIGUSR2')
  const baseEnv: Record<string, string | undefined> = { PATH: process.env.PATH, NODE_ENV: 'production' }
  switch (kind.name) {
    case 'whiteboard': {
      return {
        args: [...nodeFlags, ourEntry],
        env: { ...baseEnv, ...OUR_BENCH_ENV, AUTH_SECRET: BENCH_SECRET, SYNC_HOST: '127.0.0.1', SYNC_PORT: String(port), DATABASE_URL: `file:${ourDatabaseFile(options.dir)}` },
        cwd: options.dir,
      }
    }
    case 'y-websocket':
      return { args: [...nodeFlags, path.join(PEERS_DIR, 'y-websocket-server.mjs'), '--port', String(port)], env: baseEnv, cwd: options.dir }
    case 'hocuspocus':
      return { args: [...nodeFlags, path.join(PEERS_DIR, 'hocuspocus-server.mjs'), '--port', String(port)], env: baseEnv, cwd: options.dir }
    case 'hocuspocus-sqlite':
      return {
        args: [...nodeFlags, path.join(PEERS_DIR, 'hocuspocus-server.mjs'), '--port', String(port), '--sqlite', hocuspocusDatabaseFile(options.dir)],
        env: baseEnv,
        cwd: options.dir,
      }
    case 'tldraw-sync':
      return { args: [...nodeFlags, path.join(PEERS_DIR, 'tldraw-sync-server.mjs'), '--port', String(port)], env: baseEnv, cwd: options.dir }
    case 'tldraw-sync-sqlite':
      return {
        args: [...nodeFlags, path.join(PEERS_DIR, 'tldraw-sync-server.mjs'), '--port', String(port), '--sqlite-dir', tldrawDatabaseDir(options.dir)],
        env: baseEnv,
        cwd: options.dir,
      }
  }
}

async function answersHttp(port: number, pathName: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${pathName}`, { signal: AbortSignal.timeout(1_000) })
    await response.arrayBuffer()
    return response.ok
  } catch {
    return false
  }
}

/** Starts a server and waits until it answers HTTP (ours: /healthz). */
export async function startServer(kind: ServerKind, options: StartOptions, port?: number): Promise<RunningServer> {
  const chosenPort = port ?? (await freePort())
  const { args, env, cwd } = serverCommand(kind, chosenPort, options, await serverBundle())
  const child = spawn(process.execPath, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000)
  })
  const server = new RunningServer(kind, chosenPort, child, cwd)
  const deadline = Date.now() + 30_000
  while (!(await answersHttp(chosenPort, kind.name === 'whiteboard' ? '/healthz' : '/'))) {
    if (!server.running) throw new Error(`${kind.name} exited at start: ${stderr}`)
    if (Date.now() > deadline) {
      await server.stop(1_000)
      throw new Error(`${kind.name} did not start within 30 s: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return server
}

const CLOCK_TICKS_PER_SECOND = 100

export interface ProcessSample {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number
  rssBytes: number
  /** Peak resident set size since the process started (VmHWM). */
  peakRssBytes: number
}

/** Reads a process's CPU time and memory from /proc (Linux). */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') }
}

export function peersInstalled(): boolean {
  return ['@hocuspocus/server', '@y/websocket-server', '@tldraw/sync-core'].every((name) => existsSync(path.join(PEERS_DIR, 'node_modules', name)))
}
