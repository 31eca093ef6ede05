// The bench's own unit tests (the root vitest.config.ts covers server, lib, components and app):
//   npx vitest run --config bench/vitest.config.ts
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
  },
})
