/**
 * The repository's own `policies/` tree, built into the app as text so every example opens
 * without a server. Each architecture's folder is its own lazily loaded chunk (the tree is
 * about 1 MiB in all). Paths in the playground's in-memory tree keep the repository layout:
 * `/policies/<arch>/<name>.policy`.
 */
import type { WorkspaceFile } from './workspace.js';

/** Loaders of each architecture's example folder. */
const EXAMPLE_LOADERS: Readonly<Record<string, () => Promise<readonly WorkspaceFile[]>>> = {
  x86_64: () => import('./examples/x86_64-policies.js').then((module) => module.files),
  aarch64: () => import('./examples/aarch64-policies.js').then((module) => module.files),
  arm: () => import('./examples/arm-policies.js').then((module) => module.files),
  riscv64: () => import('./examples/riscv64-policies.js').then((module) => module.files),
};

/** The files of `policies/<arch>/` (empty when the tree has no folder for it). */
export async function loadExampleFiles(arch: string): Promise<readonly WorkspaceFile[]> {
  const loader = EXAMPLE_LOADERS[arch];
  return loader ? loader() : [];
}

/** One policy of the tree that can be opened as an entry. */
export interface ExampleEntry {
  /** Path in the in-memory tree. */
  readonly path: string;
  /** Name shown in the picker, e.g. `net_device`. */
  readonly label: string;
}

/** The `.policy` files of a folder as picker entries, in path order. */
export function exampleEntries(files: readonly WorkspaceFile[]): ExampleEntry[] {
  return files
    .filter((file) => file.path.endsWith('.policy'))
    .map((file) => ({ path: file.path, label: file.path.slice(file.path.lastIndexOf('/') + 1).replace(/\.policy$/, '') }));
}
