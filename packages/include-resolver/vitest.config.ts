import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // One worker runs every file with the modules it has already loaded, instead of loading
    // the package's sources again per file: no test here mocks a module or changes process state.
    isolate: false,
    // Property tests take a few seconds alone and several times that on the shared 2-core
    // machine under load; the timeout is there to catch a hang, not to time them.
    testTimeout: 60_000,
  },
});
