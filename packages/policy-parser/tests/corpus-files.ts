// Locates the shared corpus (`<repo>/../shared/corpus`) and lists its policy and frequency files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: two levels above this package. */
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** `<repo>/../shared/corpus`, where the real policy trees live. */
export const corpusRoot = resolve(repoRoot, '../shared/corpus');

/** A corpus file, named relative to the corpus root. */
export interface CorpusFile {
  readonly name: string;
  readonly text: string;
}

function walk(folder: string, out: string[]): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.policy') || entry.name.endsWith('.frequency')) out.push(path);
  }
}

/** Every `.policy` and `.frequency` file of the corpus, sorted; empty when the corpus is absent. */
export function corpusFiles(): CorpusFile[] {
  if (!existsSync(corpusRoot)) return [];
  const paths: string[] = [];
  walk(corpusRoot, paths);
  return paths.sort().map((path) => ({ name: relative(corpusRoot, path), text: readFileSync(path, 'utf8') }));
}
