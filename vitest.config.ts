import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests scan fixture crates in place: keep the CLI's incremental cache out of them. The tests of
    // the cache itself pass --cache-dir, which overrides this.
    env: { FFIGUARD_NO_CACHE: '1' },
    // Many tests run the CLI as a child process; on a busy 2-core runner one can take several seconds.
    testTimeout: 60_000,
    // A temporary directory per run, removed at its end (see the file).
    globalSetup: ['test/global-setup.ts'],
  },
});
