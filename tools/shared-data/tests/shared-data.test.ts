// The shared-data locator: the one place tests and benchmarks find ../shared through, its
// override for the fresh-clone check, and the quick start passing without the data.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { repoRoot, relativeImports, sharedDataTests, sharedPathsOutsideLocator } from '../readers.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the locator', () => {
  it.each<[string, string | undefined, string]>([
    ['beside the repository by default', undefined, join(repoRoot, '../shared')],
    ['an empty override is no override', '', join(repoRoot, '../shared')],
    ['SYSCAGE_SHARED_DIR elsewhere', '/nonexistent/shared', '/nonexistent/shared'],
  ])('looks %s', async (_name, override, root) => {
    if (override !== undefined) vi.stubEnv('SYSCAGE_SHARED_DIR', override);
    const { sharedData, sharedRoot } = await import('../index.js');
    expect(sharedRoot).toBe(root);
    expect(sharedData('corpus/crosvm-2022-06').path).toBe(join(root, 'corpus/crosvm-2022-06'));
  });

  it('says in one line what is missing', async () => {
    vi.stubEnv('SYSCAGE_SHARED_DIR', '/nonexistent/shared');
    const { sharedData } = await import('../index.js');
    expect(sharedData('conformance/crosvm-2022-06.jsonl')).toEqual({
      path: '/nonexistent/shared/conformance/crosvm-2022-06.jsonl',
      present: false,
      skipReason: 'needs /nonexistent/shared/conformance/crosvm-2022-06.jsonl (the shared conformance/crosvm-2022-06.jsonl), which is absent here',
    });
  });
});

describe('every reader of the shared data goes through the locator', () => {
  it('no test, benchmark or tool builds a path to ../shared by itself', () => {
    expect(sharedPathsOutsideLocator()).toEqual([]);
  });

  it.each<[string, string]>([
    ['a relative import', "import { corpus } from './corpus-files.js';"],
    ['a parent import', "import { sharedData } from '../../../tools/shared-data/index.js';"],
    ['a dynamic import', "const m = await import('./x.js');"],
  ])('follows %s', (_name, text) => {
    const file = join(repoRoot, 'packages/p/tests/a.test.ts');
    expect(relativeImports(file, text)).toHaveLength(1);
  });

  it('finds the tests that read it, also through a helper module', () => {
    const tests = sharedDataTests().map((file) => relative(repoRoot, file));
    expect(tests).toEqual(
      expect.arrayContaining([
        // Through tests/corpus-files.ts.
        'packages/policy-parser/tests/properties.test.ts',
        'packages/policy-parser/tests/corpus.test.ts',
        'packages/include-resolver/tests/corpus.test.ts',
        'packages/bpf-codegen/tests/conformance.test.ts',
        // Through tools/arch-gen/src/suite.ts.
        'packages/arch-x86-64/tests/table.test.ts',
      ]),
    );
  });
});

// The fresh-clone check (.ci/run) runs all of them; here the two the quick start failed on. A
// whole vitest run with property tests, beside the rest of the suite on a loaded machine: the
// timeout catches a hang only.
describe('without the shared data (a fresh clone)', { timeout: 600_000 }, () => {
  it('the policy-parser corpus tests skip, with the reason, instead of failing', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'syscage-no-shared-'));
    const missing = join(scratch, 'shared');
    const run = spawnSync(
      'pnpm',
      ['exec', 'vitest', 'run', '--reporter', 'verbose', '--reporter', './tools/summary-reporter.ts', 'packages/policy-parser/tests/properties.test.ts', 'packages/policy-parser/tests/corpus.test.ts'],
      { cwd: repoRoot, env: { ...process.env, SYSCAGE_SHARED_DIR: missing }, encoding: 'utf8' },
    );
    rmSync(scratch, { recursive: true, force: true });
    expect(run.stdout).toMatch(/tests: \d+ passed, 0 failed, 2 skipped/);
    expect(run.stdout).toContain(`on randomly mutated corpus files: skipped, needs ${missing}/corpus (the shared corpus), which is absent here`);
    expect(run.status).toBe(0);
  });
});
