/**
 * `pnpm release:check`: what a consumer will get from the registry is well formed.
 *
 * 1. package.json packaging fields (manifests.ts).
 * 2. `pnpm pack` of every package (pack.ts) and the tarball's own leftovers check.
 * 3. publint on each tarball, strict (warnings fail).
 * 4. Are The Types Wrong on each tarball with `--profile esm-only`.
 *
 * The tarballs, not the folders, are linted: `attw --pack` would run `npm pack`, which neither
 * applies publishConfig.exports nor rewrites `workspace:^`, so it would lint something that is
 * never published. Needs `pnpm build` first (the tarballs contain dist/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { checkManifests } from './manifests.js';
import { packAll, tarballProblems, type PackedPackage } from './pack.js';
import { mapLimit, repoRoot, run, seconds, table } from './workspace.js';

/** Outcome of the checks for one package. */
export interface PackageCheck {
  readonly name: string;
  readonly problems: readonly string[];
  readonly publintMessages: number;
  readonly attwOk: boolean;
}

async function publintTarball(packed: PackedPackage): Promise<string[]> {
  const data = readFileSync(packed.tarball);
  const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
  return messages.map((message) => `publint ${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`);
}

async function attwTarball(packed: PackedPackage): Promise<string[]> {
  // esm-only: the packages ship ESM only, so node10 (no exports support) and node16-cjs
  // (require() of an ESM file) are not resolutions we promise. Everything else (node16 ESM,
  // bundler) must resolve to types that match the JavaScript.
  const attw = join(repoRoot, 'node_modules/.bin/attw');
  const result = await run(attw, [packed.tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color']);
  return result.code === 0 ? [] : [`attw:\n${result.stdout}${result.stderr}`];
}

/** Runs every check; prints a summary table and returns false when anything failed. */
export async function releaseCheck(options: { packed?: PackedPackage[] } = {}): Promise<boolean> {
  let started = Date.now();
  const manifestProblems = checkManifests(false);
  for (const problem of manifestProblems) console.error(problem);
  console.log(`manifests: ${manifestProblems.length === 0 ? 'ok' : `${manifestProblems.length} problems`} (${seconds(Date.now() - started)})`);

  started = Date.now();
  const packed = options.packed ?? (await packAll());
  if (!options.packed) console.log(`packed ${packed.length} packages (${seconds(Date.now() - started)})`);

  started = Date.now();
  const results = await mapLimit(packed, 2, async (item): Promise<PackageCheck & { details: string[] }> => {
    const own = tarballProblems(item);
    const publintMessages = await publintTarball(item);
    const attwMessages = await attwTarball(item);
    return {
      name: item.pkg.name,
      problems: [...own, ...publintMessages, ...attwMessages],
      publintMessages: publintMessages.length,
      attwOk: attwMessages.length === 0,
      details: [...own, ...publintMessages, ...attwMessages],
    };
  });
  for (const result of results) {
    for (const detail of result.details) console.error(`${result.name}: ${detail}`);
  }
  console.log(
    table(
      ['package', 'tarball', 'publint', 'attw (esm-only)'],
      results.map((r) => [
        r.name,
        r.problems.length - r.publintMessages - (r.attwOk ? 0 : 1) === 0 ? 'ok' : 'problems',
        r.publintMessages === 0 ? 'ok' : `${r.publintMessages} messages`,
        r.attwOk ? 'ok' : 'problems',
      ]),
    ),
  );
  console.log(`publint + attw: ${seconds(Date.now() - started)}`);
  return manifestProblems.length === 0 && results.every((r) => r.problems.length === 0);
}
