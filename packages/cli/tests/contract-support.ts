// Inputs shared by the contract tests: the repository's examples, and a scratch folder with a
// policy that has a syntax error, a truncated .bpf, a compiled .bpf and a file that blocks paths.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCli } from './helpers.js';

/** The repository root (holds examples/ and policies/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A loaded example policy for x86_64 and aarch64, with an include and a frequency file. */
export const echoPolicy = join(repoRoot, 'examples', 'echo_server.policy');

/** Build fixtures: a tree that builds, and one whose included block has a syntax error. */
export const goodTree = fileURLToPath(new URL('./fixtures/build/default-from-policy/tree', import.meta.url));
export const syntaxErrorTree = fileURLToPath(new URL('./fixtures/build/_error_/syntax/tree', import.meta.url));

/**
 * The syntax error in `x86_64/syntax.policy` is at line 2, column 8; every command that reads
 * a policy must name it like this.
 */
export const syntaxErrorAt = /x86_64\/syntax\.policy:2:8: error\[SC1005\]/;

/** A node stack frame: never printed without --debug. */
export const stackFrame = /^\s+at .+:\d+:\d+\)?$/m;

/** Makes the scratch folder (cwd of the tests) and returns it with a cleanup function. */
export function makeScratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'syscage-contract-'));
  mkdirSync(join(dir, 'x86_64'));
  writeFileSync(join(dir, 'x86_64', 'syntax.policy'), 'read: 1\nwrite: (\n');
  writeFileSync(join(dir, 'odd.bpf'), 'abc');
  writeFileSync(join(dir, 'afile'), 'a file, so afile/anything cannot be created\n');
  const compiled = spawnCli(['compile', '--arch', 'x86_64', '-o', 'echo.bpf', echoPolicy], { cwd: dir });
  if (compiled.code !== 0) throw new Error(`compiling the example failed: ${compiled.stderr}`);
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
