import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts', 'test/setup/chromium.ts', 'test/setup/mosquitto.ts', 'test/setup/postgres.ts'],
    reporters: ['default'],
  },
});
