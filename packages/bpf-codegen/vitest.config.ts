import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // One worker runs every file with the modules it has already loaded, instead of loading
    // the package's sources again per file: no test here mocks a module or changes process state.
    isolate: false,
    // Property tests take a few seconds alone and ten times that on the shared 2-core machine
    // under load 30 (a whole-package run there: the OCI round trip of policies/ took 259 s, an
    // ioctl export check 46 s of its 60 s); the timeouts, here and per test, catch a hang only.
    testTimeout: 600_000,
  },
});
