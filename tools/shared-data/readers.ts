/**
 * Which source files read the shared data, found by following relative imports back from the
 * locator (`./index.ts`), and which files reach for `../shared` without it. The fresh-clone
 * check runs the former with the data hidden; a test keeps the latter empty.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** The locator every reader must import. */
export const locator = join(repoRoot, 'tools/shared-data/index.ts');

/** Folders whose TypeScript is scanned (generated `dist/` and dependencies are skipped). */
const scannedFolders = ['packages', 'apps', 'tools'];
const skippedNames = new Set(['node_modules', 'dist', '.turbo', 'coverage']);

/** Every `.ts` file of the repository's packages, apps and tools. */
export function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (skippedNames.has(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const folder of scannedFolders) walk(join(repoRoot, folder));
  return files.sort();
}

/** The files a source file imports by relative path (`./x.js` names `./x.ts`). */
export function relativeImports(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const specifier = match[1];
    if (specifier === undefined) continue;
    found.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  return found;
}

/** The test files (`*.test.ts`) that import the locator, directly or through other files. */
export function sharedDataTests(files: readonly string[] = sourceFiles()): string[] {
  const importers = new Map<string, string[]>();
  for (const file of files) {
    for (const imported of relativeImports(file, readFileSync(file, 'utf8'))) {
      const list = importers.get(imported) ?? [];
      list.push(file);
      importers.set(imported, list);
    }
  }
  const reached = new Set<string>();
  const pending = [locator];
  while (pending.length > 0) {
    const file = pending.pop();
    if (file === undefined) break;
    for (const importer of importers.get(file) ?? []) {
      if (reached.has(importer)) continue;
      reached.add(importer);
      pending.push(importer);
    }
  }
  return [...reached].filter((file) => file.endsWith('.test.ts')).sort();
}

/**
 * A string literal that builds a path to the shared data by itself: `'../shared'`,
 * `'../../../../shared/corpus'`, `'/work/shared'`, or `'shared'` as one `join` segment.
 */
const sharedPathLiteral = /['"`](?:(?:\.\.\/)+shared(?![\w-])|\/work\/shared(?![\w-])|shared['"`])/;

/** `file:line` of every line outside the locator that builds a path to the shared data itself. */
export function sharedPathsOutsideLocator(files: readonly string[] = sourceFiles()): string[] {
  const found: string[] = [];
  const ownFolder = dirname(locator);
  for (const file of files) {
    if (dirname(file) === ownFolder || dirname(file) === join(ownFolder, 'tests')) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const code = line.replace(/\/\/.*$/, '').trim();
        if (code.startsWith('*') || code.startsWith('/*')) return;
        if (sharedPathLiteral.test(code)) found.push(`${relative(repoRoot, file)}:${index + 1}`);
      });
  }
  return found;
}
