// Lists the policy and frequency files of the shared corpus (located by tools/shared-data).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sharedData } from '../../../tools/shared-data/index.js';

/** The shared corpus (`<repo>/../shared/corpus`), where the real policy trees live. */
export const corpus = sharedData('corpus');

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
  if (!corpus.present) return [];
  const paths: string[] = [];
  walk(corpus.path, paths);
  return paths.sort().map((path) => ({ name: relative(corpus.path, path), text: readFileSync(path, 'utf8') }));
}
