/** Fixture folders of policies, and the architecture tables, for the Node-side tests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archI386 } from '@syscage/arch-i386';
import { archRiscv64 } from '@syscage/arch-riscv64';
import { archX86_64 } from '@syscage/arch-x86-64';
import type { WorkspaceFile } from '../../src/workspace.js';
import { APP_ROOT } from './build-app.js';

/** Every table the playground bundles, by canonical name. */
export const TABLES: ReadonlyMap<string, ArchTable> = new Map(
  [archX86_64, archAarch64, archArm, archRiscv64, archI386].map((table) => [table.name, table]),
);

/** `tests/fixtures/<group>`. */
export function fixtureRoot(group: string): string {
  return join(APP_ROOT, 'tests', 'fixtures', group);
}

/** The case folders of a fixture group, sorted. */
export function fixtureCases(group: string): string[] {
  const root = fixtureRoot(group);
  return readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .sort();
}

/** The `.policy` and `.frequency` files of a case folder, as workspace files under `/`. */
export function fixtureFiles(folder: string): WorkspaceFile[] {
  const files: WorkspaceFile[] = [];
  const walk = (directory: string): void => {
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.policy') || name.endsWith('.frequency')) files.push({ path: `/${relative(folder, path)}`, text: readFileSync(path, 'utf8') });
    }
  };
  walk(folder);
  return files;
}
