/**
 * The packaging fields every published package.json must have (docs/architecture.md, convention 3),
 * and the `publishConfig.exports` that strips the `@syscage/source` condition at pack time.
 *
 *   pnpm release:manifests          check (exit 1 on a problem)
 *   pnpm release:manifests --write  rewrite publishConfig from exports, touching nothing else
 *
 * Why publishConfig: inside the workspace every exports entry starts with
 * `"@syscage/source": "./src/….ts"` so tests and typechecks run from source without a build.
 * Published tarballs contain only `dist`, so that condition would point at files that are not
 * there. pnpm replaces `exports` by `publishConfig.exports` when it packs or publishes, so the
 * registry sees a map with `types` first and `import`, nothing else. This script keeps the two
 * maps in step; `release:check` lints the packed tarballs, not the folders.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishablePackages, sourceCondition, type PackageManifest, type WorkspacePackage } from './workspace.js';

/** `exports` with the source condition removed from every entry: what consumers get. */
export function publishedExports(exports: Record<string, unknown>): Record<string, unknown> {
  const stripped: Record<string, unknown> = {};
  for (const [subpath, target] of Object.entries(exports)) {
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      stripped[subpath] = Object.fromEntries(Object.entries(target).filter(([condition]) => condition !== sourceCondition));
    } else {
      stripped[subpath] = target;
    }
  }
  return stripped;
}

/** The publishConfig a package must carry. */
export function expectedPublishConfig(manifest: PackageManifest): Record<string, unknown> {
  return { access: 'public', exports: publishedExports(manifest.exports ?? {}) };
}

/** Problems with one package's packaging fields, as sentences. */
export function manifestProblems(pkg: WorkspacePackage): string[] {
  const m = pkg.manifest;
  const problems: string[] = [];
  if (m.type !== 'module') problems.push('"type" must be "module" (the packages are ESM-only)');
  if (m.sideEffects !== false) problems.push('"sideEffects" must be false');
  if (!m.engines?.node) problems.push('"engines.node" is missing');
  if (m.repository?.directory !== pkg.relDir) problems.push(`"repository.directory" must be "${pkg.relDir}"`);
  if (!m.files?.includes('dist')) problems.push('"files" must list "dist"');
  if (m.files?.some((file) => file === 'src' || file.startsWith('src/'))) {
    problems.push('"files" must not list src: sources are not published (see publishConfig.exports)');
  }
  const exports = m.exports;
  if (!exports) {
    problems.push('"exports" is missing');
    return problems;
  }
  if (exports['./package.json'] !== './package.json') problems.push('"exports" must map "./package.json"');
  for (const [subpath, target] of Object.entries(exports)) {
    if (subpath === './package.json') continue;
    if (target === null || typeof target !== 'object') {
      problems.push(`exports["${subpath}"] must be an object of conditions`);
      continue;
    }
    const conditions = Object.keys(target).filter((condition) => condition !== sourceCondition);
    if (Object.keys(target)[0] !== sourceCondition) {
      problems.push(`exports["${subpath}"] must start with the "${sourceCondition}" condition (workspace tests resolve sources through it)`);
    }
    if (conditions[0] !== 'types') problems.push(`exports["${subpath}"]: "types" must come first after "${sourceCondition}"`);
    if (!conditions.includes('import')) problems.push(`exports["${subpath}"] has no "import" condition`);
    if (conditions.includes('require')) {
      problems.push(`exports["${subpath}"] has "require": the packages are ESM-only (see CONTRIBUTING.md, "Releases")`);
    }
  }
  const root = exports['.'] as Record<string, unknown> | undefined;
  if (root && m.types !== root['types']) problems.push(`"types" must equal exports["."].types (${String(root['types'])})`);
  const expected = JSON.stringify(expectedPublishConfig(m));
  if (JSON.stringify(m.publishConfig ?? {}) !== expected) {
    problems.push('"publishConfig" is out of date with "exports": run `pnpm release:manifests --write`');
  }
  return problems;
}

/**
 * Sets publishConfig from exports in one package.json, re-reading the file right before the
 * write and changing only that field (other people add dependencies to these files).
 * Returns whether the file changed.
 */
export function writePublishConfig(pkg: WorkspacePackage): boolean {
  const path = join(pkg.dir, 'package.json');
  const before = readFileSync(path, 'utf8');
  const manifest = JSON.parse(before) as Record<string, unknown>;
  const publishConfig = expectedPublishConfig(manifest as unknown as PackageManifest);
  // Keep key order: replace in place, or insert right after "repository".
  const next: Record<string, unknown> = {};
  const hadField = 'publishConfig' in manifest;
  for (const [key, value] of Object.entries(manifest)) {
    next[key] = key === 'publishConfig' ? publishConfig : value;
    if (!hadField && key === 'repository') next['publishConfig'] = publishConfig;
  }
  if (!('publishConfig' in next)) next['publishConfig'] = publishConfig;
  const after = `${JSON.stringify(next, null, 2)}\n`;
  if (after === before) return false;
  writeFileSync(path, after);
  return true;
}

/** Checks (or with `write`, first fixes) every package; returns the problems found. */
export function checkManifests(write: boolean): string[] {
  const problems: string[] = [];
  for (const listed of publishablePackages()) {
    if (write && writePublishConfig(listed)) console.log(`${listed.relDir}/package.json: publishConfig updated`);
    const pkg = write ? (publishablePackages().find((p) => p.name === listed.name) ?? listed) : listed;
    for (const problem of manifestProblems(pkg)) problems.push(`${pkg.relDir}/package.json: ${problem}`);
  }
  return problems;
}
