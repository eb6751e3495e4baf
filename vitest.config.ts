// vitest runs against the stack that `npm test` started (STACK_PROFILE=test); see tests/helpers/stack.ts.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: one worker per core; files share the stack, so each test makes its own data.
    maxWorkers: 2,
    fileParallelism: true,
  },
})
