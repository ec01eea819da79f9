import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { archConfigs } from '../../../tools/arch-gen/src/config.js';
import { readRepoFile } from '../../../tools/arch-gen/src/main.js';
import { renderRegistryFiles } from '../../../tools/arch-gen/src/scaffold.js';
import { archPackageForNode, archPackages, editDistance, minijailArchFacts, findArchPackage, knownArchNames, resolveArchName, suggestName } from '../src/index.js';

describe('resolveArchName', () => {
  it.each([
    ['x86_64', 'x86_64'],
    ['amd64', 'x86_64'],
    ['aarch64', 'aarch64'],
    ['arm64', 'aarch64'],
    ['arm', 'arm'],
    ['armhf', 'arm'],
    ['riscv64', 'riscv64'],
    ['i386', 'i386'],
    ['x86', 'i386'],
    ['i686', 'i386'],
  ])('%s is %s', (input, canonical) => {
    expect(resolveArchName(input)).toEqual({ ok: true, name: canonical });
  });

  it.each([
    ['arm65', "Did you mean 'arm64'?"],
    ['ARM64', "Did you mean 'arm64'?"],
    ['x86_46', "Did you mean 'x86_64'?"],
    ['riscv', "Did you mean 'riscv64'?"],
  ])('unknown %s suggests a close name', (input, hint) => {
    const result = resolveArchName(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(hint);
  });

  it.each([['sparc64'], [''], ['constructor'], ['__proto__']])('unknown %j lists every known name and alias', (input) => {
    const result = resolveArchName(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(`unknown architecture '${input}'`);
    for (const arch of archPackages) {
      expect(result.message).toContain(arch.name);
      for (const alias of arch.aliases) expect(result.message).toContain(alias);
    }
  });

  it('findArchPackage returns the registry entry for an alias and nothing for an unknown name', () => {
    expect(findArchPackage('arm64')?.packageName).toBe('@syscage/arch-aarch64');
    expect(findArchPackage('vax')).toBeUndefined();
  });
});

const repoRoot = join(import.meta.dirname, '../../..');
const registryFiles = [...renderRegistryFiles(readRepoFile)];

describe('the registry', () => {
  it.each(registryFiles.map(([relative, expected]) => [relative, expected]))(
    '%s is what `pnpm generate` renders from tools/arch-gen/src/config.ts',
    (relative, expected) => {
      expect(readFileSync(join(repoRoot, relative), 'utf8')).toBe(expected);
    },
  );

  it('renders the boilerplate of every architecture and the consumers that name them all', () => {
    const paths = registryFiles.map(([relative]) => relative);
    for (const arch of archConfigs) expect(paths).toContain(`packages/${arch.packageDir}/package.json`);
    expect(paths).toEqual(expect.arrayContaining(['packages/cli/package.json', 'packages/jail-runner/package.json', 'apps/playground/package.json']));
  });

  it('finds the host architecture by Node\'s name for it', () => {
    expect(archPackageForNode('x64')?.name).toBe('x86_64');
    expect(archPackageForNode('ia32')?.name).toBe('i386');
    expect(archPackageForNode('mips')).toBeUndefined();
  });

  it('lists exactly the architectures the generator produces, with the same names and exports', () => {
    expect(knownArchNames).toEqual(archConfigs.map((arch) => arch.name));
    expect(archPackages).toEqual(
      archConfigs.map((arch) => ({
        name: arch.name,
        aliases: arch.aliases,
        packageName: arch.packageName,
        exportName: arch.exportName,
        ...(arch.nodeArch === undefined ? {} : { nodeArch: arch.nodeArch }),
      })),
    );
  });

  it("knows Minijail's name of exactly the registry's architectures", () => {
    expect(minijailArchFacts.map((facts) => facts.name)).toEqual(knownArchNames);
  });

  it('never gives two architectures the same name or alias', () => {
    const all = archPackages.flatMap((arch) => [arch.name, ...arch.aliases]);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('editDistance', () => {
  it.each([
    ['openat', 'openat', 0],
    ['opnat', 'openat', 1],
    ['openta', 'openat', 1],
    ['O_CLOEXEC', 'o_cloexec', 0],
    ['read', 'write', 4],
    ['', 'abc', 3],
    ['mmap', 'mmap2', 1],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it('stops early once the limit is exceeded', () => {
    expect(editDistance('abcdefgh', 'zyxwvuts', 2)).toBe(3);
  });
});

describe('suggestName', () => {
  const syscalls = ['open', 'openat', 'openat2', 'read', 'readv', 'write', 'writev', 'mmap', 'munmap'];
  it.each([
    ['opnat', 'openat'],
    ['wirte', 'write'],
    ['mmpa', 'mmap'],
    ['READV', 'readv'],
  ])('%s suggests %s', (name, expected) => {
    expect(suggestName(name, syscalls)).toBe(expected);
  });

  it.each([['kexec_load'], ['x'], ['open']])('%s gets no suggestion', (name) => {
    expect(suggestName(name, syscalls)).toBeUndefined();
  });

  it('breaks ties by sort order, whatever the candidate order', () => {
    expect(suggestName('readx', ['readv', 'reada'])).toBe('reada');
    expect(suggestName('readx', ['reada', 'readv'])).toBe('reada');
  });

  it('honours maxDistance', () => {
    expect(suggestName('O_CLOEXC', ['O_CLOEXEC'], { maxDistance: 0 })).toBeUndefined();
    expect(suggestName('O_CLX', ['O_CLOEXEC'], { maxDistance: 4 })).toBe('O_CLOEXEC');
  });
});
