// Command line of the architecture-table generator.
//
//   tsx tools/arch-gen/src/main.ts generate [ARCH...]   headers → snapshot → package sources (needs clang)
//   tsx tools/arch-gen/src/main.ts render [ARCH...]     snapshot → package sources (no clang)
//   tsx tools/arch-gen/src/main.ts registry             config → arch-tables registry, arch package
//        boilerplate, the consumers' static imports and dependencies (`pnpm generate` runs it
//        through @syscage/arch-tables)
//   tsx tools/arch-gen/src/main.ts vendor UAPI_ROOT INTERNAL_ROOT
//        copy exactly the header files the generator reads from unpacked Debian packages into
//        tools/arch-gen/headers/ (see tools/arch-gen/update-headers.sh)
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ArchConfig, archConfigs, headerSources, internalHeaderFamilies } from './config.js';
import { type ArchSnapshot, extractArch, vendoredHeaderRoots } from './extract.js';
import { renderArchFiles } from './render.js';
import { renderRegistryFiles } from './scaffold.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

function selectArches(names: readonly string[]): ArchConfig[] {
  if (names.length === 0) return [...archConfigs];
  return names.map((name) => {
    const arch = archConfigs.find((candidate) => candidate.name === name);
    if (!arch) throw new Error(`unknown architecture ${name}; known: ${archConfigs.map((a) => a.name).join(', ')}`);
    return arch;
  });
}

/** Reads a committed snapshot. */
export function readSnapshot(arch: ArchConfig): ArchSnapshot {
  const text = readFileSync(path.join(repoRoot, 'tools/arch-gen/snapshot', `${arch.name}.json`), 'utf8');
  const parsed = JSON.parse(text) as ArchSnapshot & { $comment?: string };
  delete parsed.$comment;
  return parsed;
}

/** The committed snapshot of `arch`, or `undefined` for an architecture not generated yet. */
export function previousSnapshot(arch: ArchConfig): ArchSnapshot | undefined {
  return existsSync(path.join(repoRoot, 'tools/arch-gen/snapshot', `${arch.name}.json`)) ? readSnapshot(arch) : undefined;
}

/** A file of the repository by relative path, or `undefined` when it does not exist. */
export function readRepoFile(relative: string): string | undefined {
  const file = path.join(repoRoot, relative);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function writeFiles(files: ReadonlyMap<string, string>): void {
  for (const [relative, content] of files) {
    if (readRepoFile(relative) === content) continue;
    const target = path.join(repoRoot, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    process.stdout.write(`wrote ${relative}\n`);
  }
}

function vendor(uapiRoot: string, internalRoot: string): void {
  const roots = { uapi: path.resolve(uapiRoot), internal: path.resolve(internalRoot), shim: vendoredHeaderRoots.shim };
  const dependencies = new Set<string>();
  for (const arch of archConfigs) extractArch(arch, { roots, dependencies });
  rmSync(vendoredHeaderRoots.uapi, { recursive: true, force: true });
  rmSync(vendoredHeaderRoots.internal, { recursive: true, force: true });
  const copy = (from: string, to: string): void => {
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
  };
  let count = 0;
  for (const file of [...dependencies].sort()) {
    if (!file.startsWith(roots.uapi + path.sep)) continue;
    copy(file, path.join(vendoredHeaderRoots.uapi, path.relative(roots.uapi, file)));
    count++;
  }
  // linux/version.h is read directly for the kernel version.
  copy(path.join(roots.uapi, 'usr/include/linux/version.h'), path.join(vendoredHeaderRoots.uapi, 'usr/include/linux/version.h'));
  for (const family of internalHeaderFamilies) {
    copy(path.join(roots.internal, family.file), path.join(vendoredHeaderRoots.internal, family.file));
  }
  process.stdout.write(
    `vendored ${String(count + 1)} files of ${headerSources.uapi.package} and ` +
      `${String(internalHeaderFamilies.length)} of ${headerSources.internal.package}\n`,
  );
}

function main(argv: readonly string[]): void {
  const [command, ...rest] = argv;
  switch (command) {
    case 'generate':
      for (const arch of selectArches(rest)) {
        const previous = previousSnapshot(arch);
        writeFiles(renderArchFiles(arch, extractArch(arch, previous ? { previous } : {})));
      }
      break;
    case 'render':
      for (const arch of selectArches(rest)) writeFiles(renderArchFiles(arch, readSnapshot(arch)));
      break;
    case 'registry':
      writeFiles(renderRegistryFiles(readRepoFile));
      break;
    case 'vendor': {
      const [uapiRoot, internalRoot] = rest;
      if (uapiRoot === undefined || internalRoot === undefined) throw new Error('usage: vendor UAPI_ROOT INTERNAL_ROOT');
      vendor(uapiRoot, internalRoot);
      break;
    }
    default:
      throw new Error('usage: main.ts generate|render [ARCH...] | registry | vendor UAPI_ROOT INTERNAL_ROOT');
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`arch-gen: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
