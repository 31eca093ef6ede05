import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{server,lib,components,app}/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    execArgv: ['--expose-gc'],
    hookTimeout: 30_000,
    env: { PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  },
})
