/**
 * Builds the sync server into one ES module, `dist/server/index.mjs` (`npm run build:server`,
 * part of `npm run build`). Production and every spawned server (`npm start`, `npm run cluster`,
 * the process tests, the benchmark) run that file with plain `node`: no TypeScript loader in the
 * process, which saves its loader thread and compile caches (about 60 MiB of resident memory).
 * Packages stay external (resolved from node_modules); only our own code is bundled. The file is
 * two folders below the root, like lib/db/, so paths relative to the module stay valid.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const ROOT = path.resolve(import.meta.dirname, '../..')
export const SERVER_BUNDLE = path.join(ROOT, 'dist/server/index.mjs')

/** Builds the bundle; written to a temporary file and renamed, so a process starting meanwhile never reads half a file. */
export async function buildServer(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'server/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'warning',
    outfile: SERVER_BUNDLE,
  })
  mkdirSync(path.dirname(SERVER_BUNDLE), { recursive: true })
  const temporary = `${SERVER_BUNDLE}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(temporary, result.outputFiles[0].contents)
  renameSync(temporary, SERVER_BUNDLE)
  return SERVER_BUNDLE
}

let built: Promise<string> | null = null

/** Builds the bundle once per process (for code that spawns servers from the current source). */
export function serverBundle(): Promise<string> {
  built ??= buildServer()
  return built
}

if (process.argv[1] === import.meta.filename) {
  const file = await buildServer()
  console.warn(`build:server: wrote ${path.relative(ROOT, file)}`)
}
