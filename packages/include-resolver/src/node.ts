/**
 * Node.js entry of @syscage/include-resolver (`@syscage/include-resolver/node`): a PolicyHost
 * over the real file system. Kept off the main entry so that entry runs in browsers.
 */
/// <reference types="node" />
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { DirectoryEntry, HostFileProblem, PolicyHost } from './types.js';

const errnoProblems: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'EISDIR', 'ENAMETOOLONG']);

/** The {@link HostFileProblem} of a failed file-system call (`EPERM` counts as `EACCES`). */
function problemOf(error: unknown): HostFileProblem {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (code === 'EPERM') return 'EACCES';
  return errnoProblems.has(code) ? (code as HostFileProblem) : 'EIO';
}

/**
 * Creates a host that reads files from disk (UTF-8). A path that does not exist, is a
 * directory, or cannot be read gives `undefined`, so the resolver reports it as a diagnostic;
 * `fileProblem` then maps the failure's errno (`ELOOP`, `EACCES`, `EISDIR`, …).
 */
export function createNodeHost(): PolicyHost {
  return {
    readFile(path) {
      try {
        if (!statSync(path).isFile()) return undefined;
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    fileProblem(path) {
      try {
        const stats = statSync(path);
        if (stats.isDirectory()) {
          readdirSync(path);
          return 'EISDIR';
        }
        if (!stats.isFile()) return 'not-regular';
        readFileSync(path);
        return undefined;
      } catch (error) {
        return problemOf(error);
      }
    },
    realPath(path) {
      try {
        return realpathSync(path);
      } catch {
        return undefined;
      }
    },
    listDirectory(path) {
      try {
        const entries: DirectoryEntry[] = [];
        for (const entry of readdirSync(path, { withFileTypes: true })) {
          if (!entry.isSymbolicLink()) {
            entries.push({ name: entry.name, isDirectory: entry.isDirectory() });
            continue;
          }
          // Follow symbolic links, as reading the file would. A link to nothing stays a file (reading
          // it reports it missing); one that cannot be followed at all (a loop) carries its problem.
          try {
            entries.push({ name: entry.name, isDirectory: statSync(`${path}/${entry.name}`, { throwIfNoEntry: false })?.isDirectory() === true });
          } catch (error) {
            entries.push({ name: entry.name, isDirectory: false, problem: problemOf(error) });
          }
        }
        return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        return undefined;
      }
    },
  };
}

export type { DirectoryEntry, HostFileProblem, PolicyHost } from './types.js';
