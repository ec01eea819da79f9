/**
 * Packs every publishable package with `pnpm pack`, which is what `pnpm publish` uploads:
 * `workspace:^` ranges become real versions and `publishConfig.exports` replaces `exports`.
 * Every later step (publint, attw, the consumer test, the size table) reads these tarballs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapLimit, publishablePackages, readTarball, run, sourceCondition, type TarEntry, type WorkspacePackage } from './workspace.js';

/** One packed package. */
export interface PackedPackage {
  readonly pkg: WorkspacePackage;
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** Size of the `.tgz` in bytes (what is downloaded). */
  readonly packedBytes: number;
  /** Sum of the file sizes inside (what lands in node_modules). */
  readonly unpackedBytes: number;
  readonly entries: readonly TarEntry[];
  /** The package.json inside the tarball. */
  readonly manifest: Record<string, unknown>;
}

/** Packs one package into `destination`. */
export async function packPackage(pkg: WorkspacePackage, destination: string): Promise<PackedPackage> {
  const result = await run('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: pkg.dir });
  if (result.code !== 0) throw new Error(`pnpm pack failed in ${pkg.relDir}:\n${result.stderr}${result.stdout}`);
  // pnpm prints the JSON after any lifecycle output; take the last top-level object.
  const json = result.stdout.slice(result.stdout.indexOf('{\n'));
  const { filename } = JSON.parse(json) as { filename: string };
  const data = readFileSync(filename);
  const entries = readTarball(data);
  const manifestEntry = entries.find((entry) => entry.path === 'package.json');
  if (!manifestEntry) throw new Error(`${filename} has no package.json`);
  return {
    pkg,
    tarball: filename,
    packedBytes: data.length,
    unpackedBytes: entries.reduce((sum, entry) => sum + entry.size, 0),
    entries,
    manifest: JSON.parse(manifestEntry.data.toString('utf8')) as Record<string, unknown>,
  };
}

/** Packs every publishable package into a new temporary folder (or `destination`). */
export async function packAll(destination = mkdtempSync(join(tmpdir(), 'syscage-pack-'))): Promise<PackedPackage[]> {
  return mapLimit(publishablePackages(), 3, (pkg) => packPackage(pkg, destination));
}

/**
 * Problems of a packed tarball that publint and attw do not look for: leftovers of the
 * workspace (`workspace:` ranges, the source condition, publishConfig) and files that should
 * not ship.
 */
export function tarballProblems(packed: PackedPackage): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(packed.manifest);
  if (text.includes('workspace:')) problems.push('package.json still has a workspace: range');
  if (JSON.stringify(packed.manifest['exports'] ?? {}).includes(sourceCondition)) {
    problems.push(`package.json exports still have the ${sourceCondition} condition`);
  }
  if ('publishConfig' in packed.manifest && JSON.stringify(packed.manifest['publishConfig']).includes('exports')) {
    problems.push('package.json still has publishConfig.exports');
  }
  const allowed = /^(dist\/.+|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
  for (const entry of packed.entries) {
    if (!allowed.test(entry.path)) problems.push(`unexpected file in the tarball: ${entry.path}`);
  }
  for (const required of ['README.md', 'LICENSE']) {
    if (!packed.entries.some((entry) => entry.path === required)) problems.push(`the tarball has no ${required}`);
  }
  return problems;
}
