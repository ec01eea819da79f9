/**
 * Architecture tables, loaded on demand: each `@syscage/arch-*` package is imported with a
 * static specifier inside its own function, so the bundler puts each table in its own chunk and
 * a visitor downloads only the architectures they pick.
 */
import { archPackages, loadArchTable, type LoadArchTableResult } from '@syscage/arch-tables';
import { archModules } from './arch-modules.generated.js';

/** Generated from the registry (`pnpm generate`), so every architecture is offered. */
const ARCH_MODULES: Readonly<Record<string, () => Promise<unknown>>> = archModules;

/** Canonical names of the architectures the picker offers: the registry's that are bundled. */
export const ARCHITECTURES: readonly string[] = archPackages.filter((arch) => arch.packageName in ARCH_MODULES).map((arch) => arch.name);

const loaded = new Map<string, Promise<LoadArchTableResult>>();

/**
 * Loads the table of `name` through `@syscage/arch-tables`'s loader, once; a failed load (say,
 * offline before the service worker had stored the chunk) is tried again next time. Never throws.
 */
export function loadArch(name: string): Promise<LoadArchTableResult> {
  let pending = loaded.get(name);
  if (pending === undefined) {
    pending = loadArchTable(name, (packageName) => {
      const importModule = ARCH_MODULES[packageName];
      return importModule ? importModule() : Promise.reject(new Error(`${packageName} is not bundled with the playground`));
    }).then((result) => {
      if (!result.ok) loaded.delete(name);
      return result;
    });
    loaded.set(name, pending);
  }
  return pending;
}

