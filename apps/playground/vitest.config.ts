import { defineProject } from 'vitest/config';

// Tests run in Node: unit tests import the app's pure modules from source; the end-to-end test
// builds the app, serves the built files and drives Chromium through playwright-core.
export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // One worker runs every file with the modules it has already loaded (the parser, both code
    // generators, the architecture tables) instead of loading them again per file: no test mocks
    // a module, stubs a global or changes process state.
    isolate: false,
    // An end-to-end test waits for several recompiles in the browser: allow a loaded machine
    // several times over (the timeout catches a hang, it does not time the page).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The browser test polls the page; on a busy 2-core CI machine (load 30 runs things 10x
    // slower) a recompile can take many seconds.
    expect: { poll: { timeout: 60_000 } },
  },
});
