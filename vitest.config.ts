import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real daemons (dockerd, nginx) and real ports are shared machine resources:
    // files run one at a time so two suites never fight over a port or a container name.
    fileParallelism: false,
  },
});
