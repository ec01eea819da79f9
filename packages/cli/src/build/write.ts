/**
 * Writes a build to its out folder. Each file is written to a temporary name and renamed, so a
 * reader never sees half a file; the manifest is written last. A policy that failed gets no
 * output, and an output left from an earlier build for it (or for a policy that no longer
 * exists, as listed in the previous manifest) is removed, so no stale file claims success.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { type Manifest, manifestJson, outputPath } from './manifest.js';
import type { BuildFormat, TreeBuildResult } from './tree-build.js';

/** File name of the manifest in the out folder. */
export const manifestFileName = 'manifest.json';

function ioError(action: string, path: string, error: unknown): CliError {
  const reason = error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error);
  return new CliError(`cannot ${action} ${path}: ${reason}`, ExitCode.io);
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const temporary = `${path}.tmp-${process.pid.toString()}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw ioError('write', path, error);
  }
}

function remove(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (error) {
    throw ioError('remove', path, error);
  }
}

/** Outputs listed by the manifest already in `outDir`, if there is a readable one. */
function previousOutputs(outDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(outDir, manifestFileName), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { policies?: unknown };
    if (!Array.isArray(parsed.policies)) return [];
    return parsed.policies.flatMap((entry: unknown) => {
      const output = typeof entry === 'object' && entry !== null ? (entry as { output?: unknown }).output : undefined;
      return typeof output === 'string' ? [output] : [];
    });
  } catch {
    return [];
  }
}

/** True when `relativePath` stays inside `outDir` (a manifest could have been edited by hand). */
function inside(outDir: string, relativePath: string): boolean {
  const absolute = resolve(outDir, relativePath);
  return absolute.startsWith(resolve(outDir) + sep);
}

/** Writes outputs and the manifest; returns the number of output files written. */
export function writeBuild(outDir: string, result: TreeBuildResult, manifest: Manifest, format: BuildFormat): number {
  const produced = new Set<string>();
  let written = 0;
  for (const policy of result.policies) {
    const relativePath = outputPath(policy, format);
    const path = join(outDir, relativePath);
    if (policy.result === undefined) {
      remove(path);
      continue;
    }
    produced.add(relativePath);
    writeAtomically(path, policy.result.bytes);
    written++;
  }
  for (const stale of previousOutputs(outDir)) {
    if (!produced.has(stale) && inside(outDir, stale)) remove(join(outDir, stale));
  }
  writeAtomically(join(outDir, manifestFileName), manifestJson(manifest));
  return written;
}
