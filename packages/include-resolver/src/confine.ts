/**
 * Include confinement: where `@include` and `@frequency` may read from. A policy that is checked
 * or compiled may come from someone else (a pull request, a downloaded tree), so a path such as
 * `./sub/../../.env` or `/proc/self/environ` must not make the tools read, and then print in
 * code frames, a file that is no part of the policy. After normalisation (and after following
 * symbolic links, when the host can tell where they lead) a target must lie inside one of the
 * allowed roots: the folder of the loaded policy (or the tree root a caller gives) and the
 * target folder of every include mapping.
 */
import type { PolicyFile } from '@syscage/policy-parser';
import type { IncludeMapping } from './include-map.js';
import { normalizePath } from './paths.js';
import type { PolicyHost } from './types.js';

/** True when `path` is `root` or lies below it (both normalised). */
export function isInside(path: string, root: string): boolean {
  return root === '/' || path === root || path.startsWith(`${root}/`);
}

/** Decides whether include targets stay inside the allowed roots. */
export interface Confinement {
  /** The allowed roots as given (normalised), for messages. */
  readonly roots: readonly string[];
  /** True when `target` (normalised, after the include map) is inside a root, links followed. */
  readonly allows: (target: string) => boolean;
}

/** Builds the confinement for one resolution. */
export function createConfinement(
  roots: readonly string[],
  includeMap: readonly IncludeMapping[],
  host: PolicyHost,
): Confinement {
  const all = [...new Set([...roots, ...includeMap.map((mapping) => mapping.to)].map(normalizePath))];
  // A root inside another adds nothing (the crosvm mapping's folder inside the tree root).
  const given = all.filter((root) => !all.some((other) => other !== root && isInside(root, other)));
  const real = (path: string): string | undefined => {
    const resolved = host.realPath?.(path);
    return resolved === undefined ? undefined : normalizePath(resolved);
  };
  const realRoots = host.realPath === undefined ? [] : given.map((root) => real(root) ?? root);
  return {
    roots: given,
    allows: (target) => {
      const path = normalizePath(target);
      if (!given.some((root) => isInside(path, root))) return false;
      if (host.realPath === undefined) return true;
      // A link inside a root may point anywhere: judge where it really leads. A target that does
      // not exist has no real path; reading it fails and is reported as a missing file.
      const realTarget = real(path);
      return realTarget === undefined || realRoots.some((root) => isInside(realTarget, root));
    },
  };
}

/** Longest part of an offending token that a redacted file keeps. */
const maxKeptToken = 40;

/**
 * The text of a file read from outside the allowed roots, as code frames may show it: every
 * character blanked except the offending token of each of its diagnostics (cut at the first
 * white space and at {@link maxKeptToken} characters). Line breaks stay, so every offset and
 * line:column still points at the same place.
 */
export function redactText(text: string, ranges: readonly { readonly start: number; readonly end: number }[]): string {
  const keep = new Uint8Array(text.length);
  for (const { start, end } of ranges) {
    const stop = Math.min(end, text.length, start + maxKeptToken);
    for (let offset = start; offset < stop; offset++) {
      const code = text.charCodeAt(offset);
      if (code === 32 || code === 9 || code === 10 || code === 13) break;
      keep[offset] = 1;
    }
  }
  let out = '';
  for (let offset = 0; offset < text.length; offset++) {
    const character = text[offset] ?? '';
    out += keep[offset] === 1 || character === '\n' || character === '\r' ? character : ' ';
  }
  return out;
}

/** Files with more errors than this and no statement are not policies, whatever their name. */
const manyErrors = 10;

/**
 * True when a parsed file is not a policy at all (a binary, an environment file, a README), so
 * that one error stands for it instead of one per line: it holds a NUL byte, or it has no
 * statement and fails to parse, while its name lacks the expected extension (`.policy`,
 * `.frequency`) or it has many errors. A `.policy` file with a few typos keeps every error.
 */
export function isNotAPolicy(path: string, extension: string, text: string, statements: number, errors: number): boolean {
  if (text.includes('\0')) return true;
  if (statements > 0 || errors === 0) return false;
  return !path.endsWith(extension) || errors > manyErrors;
}

/** {@link isNotAPolicy} for a parsed policy file. */
export function isNotAPolicyFile(parsed: PolicyFile): boolean {
  const errors = parsed.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  return isNotAPolicy(parsed.file, '.policy', parsed.text, parsed.statements.length, errors);
}
