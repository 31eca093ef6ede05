import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TEST_SECRET } from '../../server/testing/support.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** Runs instrumentation.ts's register() (what Next does as the app starts) in a fresh Node process with `env`. */
async function startHook(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const script = "const { register } = await import('./instrumentation.ts'); await register()"
  try {
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'test', NEXT_RUNTIME: 'nodejs', ...env },
    })
    return { code: 0, stderr }
  } catch (error) {
    const failed = error as { code: number; stderr: string }
    return { code: failed.code, stderr: failed.stderr }
  }
}

describe('app configuration at start', () => {
  afterEach(() => vi.unstubAllEnvs())

  it('stops the app with a message naming the variable when a value is bad (TOKEN_REQUESTS_PER_MIN=6O)', async () => {
    const started = await startHook({ AUTH_SECRET: TEST_SECRET, TOKEN_REQUESTS_PER_MIN: '6O' })
    expect(started.code).toBe(1)
    expect(started.stderr).toContain('app: invalid configuration: TOKEN_REQUESTS_PER_MIN: must be a whole number of at least 1 (got "6O")')
  })

  it('starts when the values are good', async () => {
    expect(await startHook({ AUTH_SECRET: TEST_SECRET, TOKEN_REQUESTS_PER_MIN: '60' })).toEqual({ code: 0, stderr: '' })
  })

  it('is parsed once and kept', async () => {
    vi.resetModules()
    vi.stubEnv('AUTH_SECRET', TEST_SECRET)
    vi.stubEnv('BOARDS_PER_MIN', '7')
    const { appConfig } = await import('./config.ts')
    const first = appConfig()
    vi.stubEnv('BOARDS_PER_MIN', '8')
    expect(appConfig()).toBe(first)
    expect(first.rateLimits.board).toBe(7)
  })
})
