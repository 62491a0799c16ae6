import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Suites that need ../shared/datasets are opt-in, never part of `npm test`.
    exclude: ['tests/**/*.datasets.test.ts', 'node_modules/**'],
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    allowOnly: false,
    pool: 'forks',
  },
})
