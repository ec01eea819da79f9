/**
 * POSIX path arithmetic for the resolver. Implemented here rather than taken from `node:path`
 * because the package must run in browsers; all paths the resolver handles are `/`-separated.
 */
import type { HostFileProblem } from './types.js';

/**
 * Normalises a path: collapses `//`, removes `.` segments and resolves `..` (never above the
 * root). A relative path is taken as relative to `/`, so the result is always absolute.
 */
export function normalizePath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** The directory part of a normalised path (`/a/b.policy` → `/a`, `/a` → `/`). */
export function dirname(path: string): string {
  const normalized = normalizePath(path);
  const slash = normalized.lastIndexOf('/');
  return slash <= 0 ? '/' : normalized.slice(0, slash);
}

/** The last segment of a path (`/a/b.policy` → `b.policy`). */
export function basename(path: string): string {
  const normalized = normalizePath(path);
  return normalized.slice(normalized.lastIndexOf('/') + 1);
}

/** Joins `relative` onto `directory`; an absolute `relative` replaces it, as `os.path.join` does. */
export function joinPath(directory: string, relative: string): string {
  return normalizePath(relative.startsWith('/') ? relative : `${directory}/${relative}`);
}

/** The path of `path` relative to `base` when it lies inside it, else `path` itself. */
export function relativeTo(base: string, path: string): string {
  const root = normalizePath(base);
  const target = normalizePath(path);
  if (root === '/') return target.slice(1);
  return target.startsWith(`${root}/`) ? target.slice(root.length + 1) : target;
}

/** A {@link HostFileProblem} in words, for diagnostics: `a symbolic link loop (ELOOP)`. */
export function describeFileProblem(problem: HostFileProblem): string {
  switch (problem) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'no such file (a folder on the way is not a folder: ENOTDIR)';
    case 'ELOOP':
      return 'a symbolic link loop (ELOOP)';
    case 'EACCES':
      return 'permission denied (EACCES)';
    case 'EISDIR':
      return 'a folder, not a file (EISDIR)';
    case 'ENAMETOOLONG':
      return 'the name is too long (ENAMETOOLONG)';
    case 'not-regular':
      return 'not a regular file (a FIFO, a socket or a device)';
    case 'EIO':
      return 'unreadable (I/O error)';
  }
}

/** True when a problem means the path is simply not there (reported as a missing file). */
export function isMissing(problem: HostFileProblem | undefined): boolean {
  return problem === undefined || problem === 'ENOENT' || problem === 'ENOTDIR';
}
