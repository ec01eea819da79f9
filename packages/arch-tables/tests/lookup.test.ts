import { describe, expect, it } from 'vitest';
import { type ArchTable, loadArchTable, lookupConstant, lookupSyscall, syscallName } from '../src/index.js';

const table: ArchTable = {
  name: 'arm',
  aliases: ['armhf'],
  auditArch: 0x40000028,
  bits: 32,
  endianness: 'little',
  kernelVersion: '7.2.13',
  syscalls: { restart_syscall: 0, read: 3, cacheflush: 0xf0002, ARM_cacheflush: 0xf0002 },
  constants: { O_CLOEXEC: 0o2000000n, EPERM: 1n },
};

describe('lookups', () => {
  it.each([
    ['read', 3],
    ['restart_syscall', 0],
    ['cacheflush', 0xf0002],
    ['constructor', undefined],
    ['toString', undefined],
    ['__proto__', undefined],
    ['write', undefined],
  ])('syscall %s is %s', (name, expected) => {
    expect(lookupSyscall(table, name)).toBe(expected);
  });

  it.each([
    ['O_CLOEXEC', 0o2000000n],
    ['hasOwnProperty', undefined],
    ['O_CLOEXC', undefined],
  ])('constant %s is %s', (name, expected) => {
    expect(lookupConstant(table, name)).toBe(expected);
  });

  it.each([
    [3, 'read'],
    [0, 'restart_syscall'],
    [0xf0002, 'ARM_cacheflush'],
    [999, undefined],
  ])('syscall number %i is named %s', (nr, expected) => {
    expect(syscallName(table, nr)).toBe(expected);
  });
});

describe('loadArchTable', () => {
  it('imports only the package of the requested architecture, by canonical name or alias', async () => {
    const imported: string[] = [];
    const result = await loadArchTable('armhf', (specifier) => {
      imported.push(specifier);
      return Promise.resolve({ archArm: table });
    });
    expect(imported).toEqual(['@syscage/arch-arm']);
    expect(result).toEqual({ ok: true, table });
  });

  it('reports an unknown name without importing anything', async () => {
    const imported: string[] = [];
    const result = await loadArchTable('vax', (specifier) => {
      imported.push(specifier);
      return Promise.resolve({});
    });
    expect(imported).toEqual([]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/unknown architecture 'vax'.*Known architectures: x86_64/);
  });

  it('reports a package that is not installed', async () => {
    const result = await loadArchTable('arm', () => Promise.reject(new Error("Cannot find package '@syscage/arch-arm'")));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('cannot load @syscage/arch-arm');
  });

  it.each([
    ['no export', {}],
    ['another architecture', { archArm: { ...table, name: 'aarch64' } }],
    ['not a table', { archArm: { name: 'arm' } }],
    ['not a module', null],
  ])('rejects a package with %s', async (_case, module) => {
    const result = await loadArchTable('arm', () => Promise.resolve(module));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("does not export the ArchTable 'archArm'");
  });
});
