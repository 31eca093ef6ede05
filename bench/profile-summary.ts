/**
 * Summarises what `npm run bench -- --profile` wrote: the hottest functions and packages of a
 * V8 CPU profile (self time), and the heap of a snapshot grouped by constructor, per socket.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile>
 *   node --max-old-space-size=8192 --import tsx bench/profile-summary.ts <file.heapsnapshot> --sockets 10000
 */
import { readFileSync } from 'node:fs'

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
}

/** Where a function lives, short: a package name, or the project file. */
function origin(url: string): string {
  if (!url) return '(native/V8)'
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (packageMatch) return packageMatch[1]
  if (url.startsWith('node:')) return url
  const projectMatch = /\/(server|lib|bench)\/(.+)$/.exec(url)
  return projectMatch ? `${projectMatch[1]}/${projectMatch[2]}` : url.replace(/^file:\/\//, '')
}

function table(rows: [string, number, number][], total: number, limit: number): string {
  return rows
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms, extra]) => `${((100 * ms) / total).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${extra ? `${extra}  ` : ''}${name}`)
    .join('\n')
}

function summariseCpuProfile(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0)
  const msPerHit = (profile.endTime - profile.startTime) / 1000 / Math.max(1, totalHits)
  const byFunction = new Map<string, number>()
  const byOrigin = new Map<string, number>()
  let idle = 0
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerHit
    if (ms === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idle += ms
      continue
    }
    const key = `${functionName || '(anonymous)'}  ${origin(url)}${url ? `:${lineNumber + 1}` : ''}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms)
    byOrigin.set(origin(url), (byOrigin.get(origin(url)) ?? 0) + ms)
  }
  const busy = [...byFunction.values()].reduce((a, b) => a + b, 0)
  return [
    `${file}: ${(busy / 1000).toFixed(1)} s busy, ${(idle / 1000).toFixed(1)} s idle`,
    'self time by package / file:',
    table([...byOrigin].map(([name, ms]) => [name, ms, 0]), busy, 15),
    'self time by function:',
    table([...byFunction].map(([name, ms]) => [name, ms, 0]), busy, 30),
  ].join('\n')
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

function summariseHeapSnapshot(file: string, sockets: number): string {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0]
  const stride = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const groups = new Map<string, { bytes: number; count: number }>()
  let total = 0
  for (let i = 0; i < heap.nodes.length; i += stride) {
    const type = types[heap.nodes[i + typeAt]]
    const size = heap.nodes[i + sizeAt]
    total += size
    const name = type === 'object' || type === 'closure' ? `${type} ${heap.strings[heap.nodes[i + nameAt]]}` : `(${type})`
    const group = groups.get(name) ?? { bytes: 0, count: 0 }
    group.bytes += size
    group.count++
    groups.set(name, group)
  }
  const rows = [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40)
  return [
    `${file}: ${(total / 2 ** 20).toFixed(1)} MiB of JS heap objects (self sizes), ${sockets} sockets → ${(total / sockets / 1024).toFixed(2)} KiB per socket`,
    'bytes per socket  count per socket  group',
    ...rows.map(([name, group]) => `${(group.bytes / sockets).toFixed(0).padStart(10)} B  ${(group.count / sockets).toFixed(2).padStart(10)}   ${name}`),
  ].join('\n')
}

const file = process.argv[2]
if (!file) {
  process.stderr.write('usage: profile-summary.ts <file.cpuprofile | file.heapsnapshot> [--sockets N]\n')
  process.exit(2)
}
const socketsIndex = process.argv.indexOf('--sockets')
const sockets = socketsIndex === -1 ? 1 : Number(process.argv[socketsIndex + 1])
process.stdout.write(`${file.endsWith('.heapsnapshot') ? summariseHeapSnapshot(file, sockets) : summariseCpuProfile(file)}\n`)
