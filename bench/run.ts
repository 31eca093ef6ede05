/**
 * The side-by-side benchmark (issue 4): every scenario against every server, one server at a
 * time with the same parameters, each in a fresh process on 127.0.0.1.
 *
 *   npm run bench                         full run: bench/results/<time>.json, latest.json, docs/benchmarks.md
 *   npm run bench:smoke                   every scenario for ~1 s with tiny sizes (CI: checks the harness runs)
 *   npm run bench -- --servers whiteboard,hocuspocus --scenarios big-room
 *   npm run bench -- --profile            our server only, in big-room, many-rooms, awareness-storm and idle-capacity,
 *                                         with --cpu-prof and a heap snapshot at the idle peak
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { mergeIntoDocument, renderLatencySvg, renderMarkdownSection, type BenchRun, type ScenarioResult } from './report.ts'
import { SCENARIOS, type Scenario, type ScenarioContext } from './scenarios.ts'
import { PEERS_DIR, peersInstalled, ROOT, sampleProcess, SERVER_KINDS, startServer, type RunningServer, type ServerKind, type StartOptions } from './servers.ts'
import { sleep } from './stats.ts'

const PROFILED_SCENARIOS = ['big-room', 'many-rooms', 'awareness-storm', 'idle-capacity']
const GENERATOR_BOUND_CORES = 0.85

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

const smoke = process.argv.includes('--smoke')
const profile = process.argv.includes('--profile')
const serverFilter = option('--servers')?.split(',') ?? (profile ? ['whiteboard'] : undefined)
const scenarioFilter = option('--scenarios')?.split(',') ?? (profile ? PROFILED_SCENARIOS : undefined)
const fullRun = !serverFilter && !scenarioFilter
/** A partial run with --update-docs replaces its scenarios' figures in latest.json and the docs. */
const writeDocs = !smoke && !profile && !process.argv.includes('--no-docs') && (fullRun || process.argv.includes('--update-docs'))

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}

function ensurePeersInstalled(): void {
  if (peersInstalled()) return
  log('bench/peers/node_modules is missing: installing the peer servers (npm ci --prefix bench/peers; better-sqlite3 compiles for about a minute)…')
  const result = spawnSync('npm', ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0 || !peersInstalled()) {
    log('Could not install the peer servers. Run `npm ci --prefix bench/peers` yourself and look at its output.')
    process.exit(1)
  }
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'lib'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return dirty ? `${commit}+uncommitted server/lib changes` : commit
  } catch {
    return 'unknown'
  }
}

/** A server process and its temporary folder; a restart keeps the folder (and so the database). */
interface ServerSession {
  kind: ServerKind
  server: RunningServer
  options: StartOptions
}

async function openSession(kind: ServerKind, profileScenario: string | null): Promise<ServerSession> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `wb-bench-${kind.name}-`))
  const options: StartOptions = {
    dir,
    cpuProfileDir: profileDirectory && profileScenario ? path.join(profileDirectory, profileScenario) : undefined,
    heapSnapshotOnSignal: Boolean(profileDirectory) && profileScenario === 'idle-capacity',
  }
  return { kind, server: await startServer(kind, options), options }
}

async function closeSession(session: ServerSession): Promise<void> {
  await session.server.stop()
  // Let the sockets of the stopped server drain before the next one starts.
  await sleep(smoke ? 100 : 1_000)
  rmSync(session.options.dir, { recursive: true, force: true })
}

/** Measures one scenario on one server: the server's CPU and memory from /proc, the generator's own CPU. */
async function runOne(scenario: Scenario, session: ServerSession): Promise<ScenarioResult> {
  const { kind } = session
  const base = { scenario: scenario.id, server: kind.name, latencyOf: '', latencyMs: null, delivered: 0, expected: 0, headline: null, extra: {}, failures: [] as string[] }
  const idle: Omit<ScenarioResult, keyof typeof base | 'latencyMs' | 'headline' | 'skipped' | 'error'> = { measuredSeconds: 0, serverCpuSeconds: null, serverCpuCores: null, peakRssBytes: null, generatorCpuCores: 0, generatorEventLoopP99Ms: 0, generatorBound: false }
  const loop = monitorEventLoopDelay({ resolution: 10 })
  let window: { startedAt: number; serverCpu: number; generatorCpu: NodeJS.CpuUsage } | null = null
  let measured = { ...idle }
  const context: ScenarioContext = {
    kind,
    smoke,
    get server() {
      return session.server
    },
    async restartServer() {
      await session.server.stop()
      session.server = await startServer(kind, session.options)
    },
    async atPeak() {
      if (session.options.heapSnapshotOnSignal) await writeHeapSnapshot(session.server)
    },
    startMeasuring() {
      loop.reset()
      loop.enable()
      window = { startedAt: performance.now(), serverCpu: sampleProcess(session.server.pid).cpuSeconds, generatorCpu: process.cpuUsage() }
    },
    stopMeasuring() {
      if (!window) return
      loop.disable()
      const seconds = (performance.now() - window.startedAt) / 1000
      const sample = sampleProcess(session.server.pid)
      const generator = process.cpuUsage(window.generatorCpu)
      const generatorCores = (generator.user + generator.system) / 1e6 / seconds
      measured = {
        measuredSeconds: seconds,
        serverCpuSeconds: sample.cpuSeconds - window.serverCpu,
        serverCpuCores: (sample.cpuSeconds - window.serverCpu) / seconds,
        peakRssBytes: sample.peakRssBytes,
        generatorCpuCores: generatorCores,
        generatorEventLoopP99Ms: loop.percentile(99) / 1e6,
        generatorBound: generatorCores >= GENERATOR_BOUND_CORES,
      }
      window = null
    },
  }
  const timeoutMs = smoke ? 60_000 : 180_000
  let timer: NodeJS.Timeout | undefined
  try {
    const outcome = await Promise.race([
      scenario.run(context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`scenario did not finish within ${timeoutMs / 1000} s`)), timeoutMs)
      }),
    ])
    return { ...base, ...outcome, ...measured }
  } catch (error) {
    return { ...base, ...measured, error: error instanceof Error ? error.message : String(error) }
  } finally {
    clearTimeout(timer)
  }
}

async function runAndLog(scenario: Scenario, session: ServerSession, results: ScenarioResult[]): Promise<void> {
  const began = Date.now()
  const result = await runOne(scenario, session)
  results.push(result)
  log(`  ${session.kind.name.padEnd(18)} ${describeResult(result)} [${((Date.now() - began) / 1000).toFixed(1)} s]`)
}

function skippedResult(scenario: Scenario, kind: ServerKind): ScenarioResult {
  return {
    scenario: scenario.id, server: kind.name, skipped: 'no persistence', latencyOf: '', latencyMs: null, delivered: 0, expected: 0, headline: null, extra: {}, failures: [],
    measuredSeconds: 0, serverCpuSeconds: null, serverCpuCores: null, peakRssBytes: null, generatorCpuCores: 0, generatorEventLoopP99Ms: 0, generatorBound: false,
  }
}

async function serverAnswers(server: RunningServer): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(60_000) })
    await response.arrayBuffer()
    return true
  } catch {
    return false
  }
}

/** Asks the server (started with --heapsnapshot-signal) for a heap snapshot and waits until it is written. */
async function writeHeapSnapshot(server: RunningServer): Promise<void> {
  const before = new Set(readdirSync(server.cwd))
  process.kill(server.pid, 'SIGUSR2')
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    const file = readdirSync(server.cwd).find((name) => name.endsWith('.heapsnapshot') && !before.has(name))
    // The server is blocked while it writes the snapshot: once it answers HTTP again, the file is complete.
    if (file && profileDirectory && (await serverAnswers(server))) {
      const target = path.join(profileDirectory, 'idle-capacity', file)
      mkdirSync(path.dirname(target), { recursive: true })
      writeFileSync(target, readFileSync(path.join(server.cwd, file)))
      log(`  heap snapshot: ${path.relative(ROOT, target)}`)
      return
    }
    await sleep(500)
  }
  log('  heap snapshot was not written within 120 s')
}

// Profiles are large and machine-specific: they stay out of the repository.
const profileDirectory = profile ? mkdtempSync(path.join(os.tmpdir(), 'wb-bench-profiles-')) : null

function describeResult(result: ScenarioResult): string {
  if (result.skipped) return `skipped (${result.skipped})`
  if (result.error) return `ERROR ${result.error}`
  const l = result.latencyMs
  const headline = result.headline ? `${result.headline.label} ${result.headline.value === null ? '–' : Math.round(result.headline.value * 10) / 10} ${result.headline.unit}` : ''
  return [
    headline,
    l ? `p50 ${l.p50.toFixed(1)} p99 ${l.p99.toFixed(1)} max ${l.max.toFixed(1)} ms` : '',
    `${result.delivered}/${result.expected}`,
    `server CPU ${result.serverCpuSeconds?.toFixed(2)} s, peak RSS ${Math.round((result.peakRssBytes ?? 0) / 2 ** 20)} MiB`,
    `generator ${result.generatorCpuCores.toFixed(2)} cores${result.generatorBound ? ' (GENERATOR-BOUND)' : ''}`,
    result.failures.length ? `FAILURES: ${result.failures.join('; ')}` : '',
  ]
    .filter(Boolean)
    .join(' | ')
}

/** The earlier run with this partial run's scenario results put in place of the old ones. */
function mergeRuns(earlier: BenchRun, partial: BenchRun): BenchRun {
  const replaced = (result: { scenario: string; server: string }) => partial.results.some((r) => r.scenario === result.scenario && r.server === result.server)
  const results = earlier.scenarios.flatMap((scenario) => {
    const fresh = partial.results.filter((result) => result.scenario === scenario.id)
    const kept = earlier.results.filter((result) => result.scenario === scenario.id && !replaced(result))
    return earlier.servers.flatMap((server) => [...kept, ...fresh].filter((result) => result.server === server.name))
  })
  return {
    ...earlier,
    finishedAt: partial.finishedAt,
    commit: partial.commit === earlier.commit ? earlier.commit : `${earlier.commit}; rerun at ${partial.commit}`,
    scenarios: earlier.scenarios.map((scenario) => partial.scenarios.find((s) => s.id === scenario.id) ?? scenario),
    results,
  }
}

async function main(): Promise<void> {
  ensurePeersInstalled()
  const kinds = SERVER_KINDS.filter((kind) => !serverFilter || serverFilter.includes(kind.name))
  const scenarios = SCENARIOS.filter((scenario) => !scenarioFilter || scenarioFilter.includes(scenario.id))
  if (kinds.length === 0 || scenarios.length === 0) {
    log(`nothing to run: servers ${SERVER_KINDS.map((k) => k.name).join(',')}; scenarios ${SCENARIOS.map((s) => s.id).join(',')}`)
    process.exit(2)
  }
  const startedAt = new Date()
  const results: ScenarioResult[] = []
  if (smoke) {
    // Smoke mode checks that the harness runs: one server process per server for all scenarios.
    for (const kind of kinds) {
      log(`${kind.label}:`)
      const session = await openSession(kind, null)
      try {
        for (const scenario of scenarios) {
          if (scenario.appliesTo(kind)) await runAndLog(scenario, session, results)
          else results.push(skippedResult(scenario, kind))
        }
      } finally {
        await closeSession(session)
      }
    }
  } else {
    // A fresh process per scenario and server, so CPU seconds and peak RSS belong to that scenario.
    for (const scenario of scenarios) {
      log(`${scenario.title}: ${scenario.describe(smoke)}`)
      for (const kind of kinds) {
        if (!scenario.appliesTo(kind)) {
          results.push(skippedResult(scenario, kind))
          continue
        }
        const session = await openSession(kind, profileDirectory ? scenario.id : null)
        try {
          await runAndLog(scenario, session, results)
        } finally {
          await closeSession(session)
        }
      }
    }
  }
  const run: BenchRun = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    smoke,
    commit: gitCommit(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    servers: kinds.map((kind) => ({ name: kind.name, label: kind.label })),
    scenarios: scenarios.map((scenario) => ({ id: scenario.id, title: scenario.title, description: scenario.describe(smoke), ranAt: new Date().toISOString() })),
    results,
  }
  const json = `${JSON.stringify(run, null, 2)}\n`
  const latestFile = path.join(ROOT, 'bench/results/latest.json')
  const resultsDir = smoke ? mkdtempSync(path.join(os.tmpdir(), 'wb-bench-smoke-')) : profileDirectory ?? path.join(ROOT, 'bench/results')
  mkdirSync(resultsDir, { recursive: true })
  const file = path.join(resultsDir, smoke || profile ? 'results.json' : `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, json)
  if (writeDocs) {
    const latest = fullRun || !existsSync(latestFile) ? run : mergeRuns(JSON.parse(readFileSync(latestFile, 'utf8')) as BenchRun, run)
    writeFileSync(latestFile, `${JSON.stringify(latest, null, 2)}\n`)
    const chart = 'benchmarks-latency.svg'
    writeFileSync(path.join(ROOT, 'docs', chart), renderLatencySvg(latest))
    const docFile = path.join(ROOT, 'docs/benchmarks.md')
    const existing = existsSync(docFile) ? readFileSync(docFile, 'utf8') : null
    writeFileSync(docFile, mergeIntoDocument(existing, renderMarkdownSection(latest, chart), '# Benchmarks\n'))
    log(`wrote ${path.relative(ROOT, file)}, bench/results/latest.json, docs/benchmarks.md, docs/${chart}`)
  } else {
    log(`wrote ${file}`)
  }
  const broken = results.filter((result) => result.error || (smoke && result.server === 'whiteboard' && result.failures.length > 0))
  if (broken.length > 0) {
    // Smoke mode (CI) also fails when our server loses an update (at its tiny sizes it never should);
    // a peer's loss is reported above but is not ours to fail the build on.
    log(`${broken.length} scenario run(s) failed: ${broken.map((result) => `${result.scenario}/${result.server}`).join(', ')}`)
    process.exitCode = 1
  }
}

void main()
