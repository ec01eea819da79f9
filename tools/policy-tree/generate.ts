/**
 * Writes `policies/<arch>/*` from the shared description, or with `--check` reports whether
 * the files on disk are current (exit 1 when not). Generated files that the description no
 * longer produces are removed; hand-written files (README.md, anything without the generated
 * marker on its first line) are never touched.
 *
 *   pnpm exec tsx tools/policy-tree/generate.ts [--check] [--out DIR]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { architectures } from './model.js';
import { generatedMarker, renderPolicyTree } from './render.js';

/** The repository's `policies/` folder. */
export const defaultTreeDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../policies');

/** Differences between the rendered tree and the folder: stale, missing and orphaned files. */
export function compareWithDisk(root: string): string[] {
  const rendered = renderPolicyTree();
  const differences: string[] = [];
  for (const [path, text] of rendered) {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(join(root, path), 'utf8');
    } catch {
      onDisk = undefined;
    }
    if (onDisk === undefined) differences.push(`missing: ${path}`);
    else if (onDisk !== text) differences.push(`stale: ${path}`);
  }
  for (const path of generatedFilesOnDisk(root)) {
    if (!rendered.has(path)) differences.push(`no longer generated: ${path}`);
  }
  return differences;
}

function generatedFilesOnDisk(root: string): string[] {
  const found: string[] = [];
  for (const arch of architectures) {
    let names: string[];
    try {
      names = readdirSync(join(root, arch));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = `${arch}/${name}`;
      const firstLine = readFileSync(join(root, path), 'utf8').split('\n', 1)[0];
      if (firstLine === generatedMarker) found.push(path);
    }
  }
  return found.sort();
}

/** Writes the rendered tree under `root`, removing generated files it no longer contains. */
export function writeTree(root: string): number {
  const rendered = renderPolicyTree();
  for (const path of generatedFilesOnDisk(root)) {
    if (!rendered.has(path)) rmSync(join(root, path));
  }
  for (const [path, text] of rendered) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return rendered.size;
}

function main(argv: readonly string[]): number {
  const outIndex = argv.indexOf('--out');
  const root = outIndex >= 0 && argv[outIndex + 1] !== undefined ? resolve(argv[outIndex + 1] ?? '') : defaultTreeDir;
  if (argv.includes('--check')) {
    const differences = compareWithDisk(root);
    for (const line of differences) process.stderr.write(`${line}\n`);
    if (differences.length > 0) {
      process.stderr.write('policies/ is out of date: run `pnpm exec tsx tools/policy-tree/generate.ts`\n');
      return 1;
    }
    return 0;
  }
  const count = writeTree(root);
  process.stdout.write(`wrote ${count} files under ${root}\n`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
