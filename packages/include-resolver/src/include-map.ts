/**
 * Maps absolute `@include` paths (as written for the installed location) to where the files
 * really are, as crosvm's build does for `/usr/share/policy/crosvm`.
 */
import { dirname, joinPath, normalizePath } from './paths.js';

/** One prefix mapping: include paths under `from` are read from under `to`. */
export interface IncludeMapping {
  /** Absolute path prefix as written in policies, e.g. `/usr/share/policy/crosvm`. */
  readonly from: string;
  /** Directory the prefix stands for. */
  readonly to: string;
}

/** The install location crosvm's policies include each other through. */
export const crosvmInstallPrefix = '/usr/share/policy/crosvm';

/**
 * The default include map for a top-level policy: `/usr/share/policy/crosvm` → the directory of
 * the top-level file, as crosvm's build compiles its policies.
 */
export function defaultIncludeMap(entryPath: string): readonly IncludeMapping[] {
  return [{ from: crosvmInstallPrefix, to: dirname(entryPath) }];
}

/**
 * Applies an include map to a normalised absolute path: the mapping whose `from` is the longest
 * prefix (on a segment boundary) wins; among equally long prefixes, the first listed wins.
 * A path no mapping covers is returned unchanged.
 */
export function applyIncludeMap(path: string, includeMap: readonly IncludeMapping[]): string {
  const normalized = normalizePath(path);
  let best: { readonly from: string; readonly to: string } | undefined;
  for (const mapping of includeMap) {
    const from = normalizePath(mapping.from);
    const covers = from === '/' || normalized === from || normalized.startsWith(`${from}/`);
    if (covers && (best === undefined || from.length > best.from.length)) {
      best = { from, to: mapping.to };
    }
  }
  if (best === undefined) return normalized;
  const rest = best.from === '/' ? normalized.slice(1) : normalized.slice(best.from.length + 1);
  return rest === '' ? normalizePath(best.to) : joinPath(normalizePath(best.to), rest);
}

/**
 * Where an `@include`/`@frequency` path written in `includingFile` points: `./x` relative to the
 * including file's directory, `/x` through the include map.
 */
export function resolveIncludePath(
  written: string,
  includingFile: string,
  includeMap: readonly IncludeMapping[],
): string {
  if (written.startsWith('/')) return applyIncludeMap(written, includeMap);
  return joinPath(dirname(includingFile), written);
}
