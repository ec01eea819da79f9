/**
 * `pnpm release:dry`: every step of a release except the upload, in the order the release
 * workflow runs them, with the time each took and the install size of every package.
 *
 *   build → pnpm pack → manifests/publint/attw (release:check) → API reports →
 *   changeset status → consumer test → pnpm publish --dry-run → size table
 *
 * The packing is done once; release:check and the consumer test read the same tarballs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiReports } from './api.js';
import { releaseCheck } from './check.js';
import { runConsumerTest } from './consumer-test.js';
import { packAll, type PackedPackage } from './pack.js';
import { kilobytes, run, seconds, table } from './workspace.js';

/** Prints the packed and unpacked size of every tarball. */
export function printSizes(packed: readonly PackedPackage[]): void {
  const rows = packed.map((item) => [
    item.pkg.name,
    item.pkg.manifest.version,
    String(item.entries.length),
    kilobytes(item.packedBytes),
    kilobytes(item.unpackedBytes),
  ]);
  const packedTotal = packed.reduce((sum, item) => sum + item.packedBytes, 0);
  const unpackedTotal = packed.reduce((sum, item) => sum + item.unpackedBytes, 0);
  rows.push(['total', '', String(packed.reduce((sum, item) => sum + item.entries.length, 0)), kilobytes(packedTotal), kilobytes(unpackedTotal)]);
  console.log(table(['package', 'version', 'files', 'packed', 'unpacked'], rows));
}

/** Runs the steps; every step runs even after a failure, so one run shows every problem. */
export async function dryRun(): Promise<boolean> {
  const timings: string[][] = [];
  const failed: string[] = [];
  const step = async (name: string, body: () => Promise<boolean>): Promise<void> => {
    console.log(`\n==> ${name}`);
    const started = Date.now();
    let passed: boolean;
    try {
      passed = await body();
    } catch (error) {
      console.error(error);
      passed = false;
    }
    if (!passed) failed.push(name);
    timings.push([name, passed ? 'ok' : 'FAILED', seconds(Date.now() - started)]);
  };
  const shell = async (command: string, args: string[]): Promise<boolean> => (await run(command, args, { echo: true })).code === 0;

  await step('build (turbo)', () => shell('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']));
  const destination = mkdtempSync(join(tmpdir(), 'syscage-release-dry-'));
  let packed: PackedPackage[] = [];
  await step('pnpm pack (every package)', async () => {
    packed = await packAll(destination);
    return packed.length > 0;
  });
  await step('release:check (manifests, publint, attw)', () => releaseCheck({ packed }));
  await step('release:api:check (API reports)', () => apiReports({ check: true }));
  await step('changeset status', () => shell('pnpm', ['exec', 'changeset', 'status', '--verbose']));
  await step('release:consumer (npm install of the tarballs)', () => runConsumerTest({ packed }));
  // What `changeset publish` runs for each package, stopped before the upload.
  await step('pnpm publish --dry-run (every package)', () =>
    shell('pnpm', ['-r', 'publish', '--dry-run', '--no-git-checks', '--access', 'public']),
  );

  console.log('\n==> install size of each package (the tarball; dependencies not included)');
  printSizes(packed);
  console.log('\n==> steps');
  console.log(table(['step', 'result', 'time'], timings));
  console.log(
    failed.length === 0
      ? '\nrelease dry run: every step passed (nothing was published)'
      : `\nrelease dry run: FAILED (${failed.join(', ')})`,
  );
  rmSync(destination, { recursive: true, force: true });
  return failed.length === 0;
}
