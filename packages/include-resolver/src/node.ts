/**
 * Node.js entry of @syscage/include-resolver (`@syscage/include-resolver/node`): a PolicyHost
 * over the real file system. Kept off the main entry so that entry runs in browsers.
 */
/// <reference types="node" />
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { DirectoryEntry, PolicyHost } from './types.js';

/**
 * Creates a host that reads files from disk (UTF-8). A path that does not exist, is a
 * directory, or cannot be read gives `undefined`, so the resolver reports it as a diagnostic.
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
          // Follow symbolic links, as reading the file would.
          const isDirectory = entry.isSymbolicLink()
            ? statSync(`${path}/${entry.name}`, { throwIfNoEntry: false })?.isDirectory() === true
            : entry.isDirectory();
          entries.push({ name: entry.name, isDirectory });
        }
        return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        return undefined;
      }
    },
  };
}

export type { DirectoryEntry, PolicyHost } from './types.js';
