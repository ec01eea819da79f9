/**
 * The fresh-clone check (a `.ci/run` step): runs every test that reads the shared data with
 * `SYSCAGE_SHARED_DIR` pointing at a folder that does not exist, as in a clone with nothing beside
 * it, where the README's quick start (`pnpm test`) must pass. Each of those tests must skip with
 * its one-line reason instead of failing. Exits with vitest's status.
 *
 *   pnpm exec tsx tools/shared-data/fresh-clone.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sharedDirVariable } from './index.js';
import { repoRoot, sharedDataTests } from './readers.js';

// The locator's own tests check where it looks by default, so they run in the ordinary suite,
// not with the variable pointing elsewhere.
const tests = sharedDataTests()
  .map((file) => relative(repoRoot, file))
  .filter((file) => !file.startsWith('tools/shared-data/'));
if (tests.length === 0) {
  console.error('fresh-clone: found no test that reads the shared data; is tools/shared-data/readers.ts out of date?');
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'syscage-fresh-clone-'));
const missing = join(scratch, 'no-shared-here');
console.log(`fresh-clone: ${tests.length} test files with ${sharedDirVariable}=${missing} (absent)`);
const run = spawnSync('pnpm', ['exec', 'vitest', 'run', ...tests], {
  cwd: repoRoot,
  env: { ...process.env, [sharedDirVariable]: missing },
  stdio: 'inherit',
});
rmSync(scratch, { recursive: true, force: true });
process.exit(run.status ?? 1);
