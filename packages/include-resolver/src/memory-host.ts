/** A PolicyHost over an in-memory set of files, for tests, browsers and editors. */
import { normalizePath } from './paths.js';
import type { DirectoryEntry, PolicyHost } from './types.js';

/**
 * Creates a host that serves `files` (path → text). Paths are normalised (`a/b.policy` is
 * `/a/b.policy`); directories are implied by the paths, so `listDirectory` works for trees.
 */
export function createMemoryHost(files: Readonly<Record<string, string>>): PolicyHost {
  const contents = new Map<string, string>();
  const directories = new Map<string, Map<string, boolean>>();
  const addEntry = (directory: string, name: string, isDirectory: boolean): void => {
    let entries = directories.get(directory);
    if (entries === undefined) {
      entries = new Map();
      directories.set(directory, entries);
    }
    if (!entries.has(name) || isDirectory) entries.set(name, isDirectory);
  };
  for (const [path, text] of Object.entries(files)) {
    const normalized = normalizePath(path);
    contents.set(normalized, text);
    const segments = normalized.split('/').slice(1);
    directories.set('/', directories.get('/') ?? new Map<string, boolean>());
    for (let index = 0; index < segments.length; index++) {
      const parent = `/${segments.slice(0, index).join('/')}`;
      addEntry(parent, segments[index] ?? '', index < segments.length - 1);
    }
  }
  return {
    readFile: (path) => contents.get(normalizePath(path)),
    listDirectory: (path): readonly DirectoryEntry[] | undefined => {
      const entries = directories.get(normalizePath(path));
      if (entries === undefined) return undefined;
      return [...entries]
        .map(([name, isDirectory]) => ({ name, isDirectory }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
