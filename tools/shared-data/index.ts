/**
 * The one place that locates the read-only data beside the repository (`<repo>/../shared`: the
 * crosvm corpus, Minijail's conformance decisions, the peer benchmark figures). CI has it; a
 * fresh clone has nothing beside it, and every test or benchmark that reads it must then skip
 * and say why in one line, so the README's quick start (`pnpm test`) passes anywhere.
 *
 * `SYSCAGE_SHARED_DIR` names another folder instead: the fresh-clone check (`.ci/run`) points it
 * at a folder that does not exist, which is what a clone with nothing beside it sees.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file is `tools/shared-data/index.ts`). */
const repoRoot = resolve(import.meta.dirname, '../..');

/** The environment variable that overrides where the shared data is looked for. */
export const sharedDirVariable = 'SYSCAGE_SHARED_DIR';

/** Where the shared data is looked for: `$SYSCAGE_SHARED_DIR`, else `<repo>/../shared`. */
export const sharedRoot: string = (() => {
  const override = process.env[sharedDirVariable];
  return override === undefined || override === '' ? resolve(repoRoot, '../shared') : resolve(override);
})();

/** One file or folder of the shared data, and whether this checkout has it. */
export interface SharedData {
  /** Absolute path. */
  readonly path: string;
  /** True when the path exists. */
  readonly present: boolean;
  /** The one line a test or benchmark prints when it skips for lack of it. */
  readonly skipReason: string;
}

/** Locates `relative` (say `corpus/crosvm-2022-06`) under {@link sharedRoot}. */
export function sharedData(relative: string): SharedData {
  const path = join(sharedRoot, relative);
  const present = existsSync(path);
  return { path, present, skipReason: `needs ${path} (the shared ${relative}), which is absent here` };
}
