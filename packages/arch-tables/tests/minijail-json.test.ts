import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { archConfigs } from '../../../tools/arch-gen/src/config.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { archDiagnosticCodes, formatMinijailArchJson, minijailArchFacts, readMinijailArchJson } from '../src/index.js';
import type { ArchTable } from '../src/index.js';

const corpus2026 = sharedData('corpus/crosvm-2026-08');

/** A minimal valid description with one field replaced or removed. */
function description(overrides: Record<string, string | undefined> = {}): string {
  const fields: Record<string, string | undefined> = {
    arch_nr: '3221225534',
    arch_name: '"x86_64"',
    bits: '64',
    syscalls: '{"read": 0, "write": 1}',
    constants: '{"O_RDONLY": 0, "EPERM": 1}',
    ...overrides,
  };
  return `{\n${Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `  "${key}": ${value}`)
    .join(',\n')}\n}\n`;
}

describe('readMinijailArchJson', () => {
  it('reads a valid description with exact numbers', () => {
    const { table, diagnostics } = readMinijailArchJson(
      description({ constants: '{"BIG": 18446744073709551615, "MINUS_ONE": -1, "TWO_POW_33": 8589934592}' }),
      'constants.json',
    );
    expect(diagnostics).toEqual([]);
    expect(table).toMatchObject({ name: 'x86_64', auditArch: 0xc000003e, bits: 64, endianness: 'little', x32SyscallBit: 0x40000000 });
    expect(table?.syscalls.write).toBe(1);
    expect(table?.constants.BIG).toBe(0xffffffffffffffffn);
    expect(table?.constants.MINUS_ONE).toBe(0xffffffffffffffffn);
    expect(table?.constants.TWO_POW_33).toBe(0x200000000n);
  });

  it.each([
    ['Minijail name arm64', { arch_name: '"arm64"', arch_nr: '3221225655' }, 'aarch64'],
    ['Minijail name x86', { arch_name: '"x86"', arch_nr: '1073741827', bits: '32' }, 'i386'],
    ['Minijail name ppc64 with the little-endian arch_nr', { arch_name: '"ppc64"', arch_nr: '3221225493' }, 'ppc64le'],
    ['Syscage name aarch64', { arch_name: '"aarch64"', arch_nr: '3221225655' }, 'aarch64'],
  ])('%s', (_label, overrides, name) => {
    const { table, diagnostics } = readMinijailArchJson(description(overrides), 'constants.json');
    expect(diagnostics).toEqual([]);
    expect(table?.name).toBe(name);
  });

  it('on a 32-bit architecture, negative constants are word patterns and ones below the word fail on use', () => {
    const { table } = readMinijailArchJson(
      description({ arch_name: '"arm"', arch_nr: '1073741864', bits: '32', constants: '{"M1": -1, "LOW": -4294967296}' }),
      'c.json',
    );
    expect(table?.constants.M1).toBe(0xffffffffn);
    expect(table?.constants.LOW).toBe((1n << 64n) - 4294967296n);
  });

  // Each bad file: the code, the 1-based line and column, and a phrase of the message.
  it.each([
    ['not JSON', '{"arch_nr": 1,,}', 'SC6001', 1, 15, 'not valid JSON'],
    ['top level not an object', '[1]', 'SC6003', 1, 1, 'must be an object, not an array'],
    ['missing arch_nr', description({ arch_nr: undefined }), 'SC6002', 1, 1, 'no `arch_nr`'],
    ['missing constants', description({ constants: undefined }), 'SC6002', 1, 1, 'no `constants`'],
    ['arch_name a number', description({ arch_name: '7' }), 'SC6003', 3, 16, '`arch_name` must be a string, not a number'],
    ['bits a string', description({ bits: '"64"' }), 'SC6003', 4, 11, '`bits` must be an integer, not a string'],
    ['syscalls an array', description({ syscalls: '[0]' }), 'SC6003', 5, 15, '`syscalls` must be an object, not an array'],
    ['fractional syscall number', description({ syscalls: '{"read": 0.5}' }), 'SC6003', 5, 24, 'must be an integer, not `0.5`'],
    ['exponent constant', description({ constants: '{"A": 1e3}' }), 'SC6003', 6, 22, 'must be an integer, not `1e3`'],
    ['duplicate syscall', description({ syscalls: '{"read": 0, "read": 1}' }), 'SC6004', 5, 27, '`syscalls` has `read` twice'],
    ['duplicate constant', description({ constants: '{"A": 1, "A": 2}' }), 'SC6004', 6, 25, '`constants` has `A` twice'],
    ['duplicate top-level key', `${description().slice(0, -3)},\n  "bits": 64\n}\n`, 'SC6004', 7, 3, 'has `bits` twice'],
    ['negative syscall number', description({ syscalls: '{"read": -1}' }), 'SC6005', 5, 24, 'outside 0..2147483647'],
    ['constant above 2^64', description({ constants: '{"A": 18446744073709551616}' }), 'SC6005', 6, 22, 'outside'],
    ['constant below -2^63', description({ constants: '{"A": -9223372036854775809}' }), 'SC6005', 6, 22, 'outside'],
    ['arch_nr above 32 bits', description({ arch_nr: '4294967296' }), 'SC6005', 2, 14, '`arch_nr` is 4294967296'],
    ['bits 16', description({ bits: '16' }), 'SC6005', 4, 11, 'must be 32 or 64'],
    ['unknown arch name', description({ arch_name: '"mips"' }), 'SC6006', 3, 16, 'unknown architecture `mips`'],
    ['arch_nr of another architecture', description({ arch_nr: '3221225655' }), 'SC6007', 2, 14, '`arch_nr` is 0xc00000b7 but x86_64 is 0xc000003e'],
    ['big-endian ppc64', description({ arch_name: '"ppc64"', arch_nr: '2147483669' }), 'SC6007', 2, 14, 'only little-endian ppc64'],
    ['bits of another word size', description({ bits: '32' }), 'SC6007', 4, 11, '`bits` is 32 but x86_64 has 64-bit words'],
  ])('%s', (_label, text, code, line, column, phrase) => {
    const { table, diagnostics } = readMinijailArchJson(text, 'bad.json');
    expect(table).toBeUndefined();
    const found = diagnostics.find((diagnostic) => diagnostic.code === code);
    expect(found, JSON.stringify(diagnostics)).toBeDefined();
    expect(found).toMatchObject({ severity: 'error', file: 'bad.json', range: { start: { line, column } } });
    expect(found?.message).toContain(phrase);
  });

  it.each([
    ['an unknown key', description({ comment: '"hello"' }), 'SC6008'],
    ['syscall groups', description({ syscall_groups: '{"io": ["read"]}' }), 'SC6009'],
  ])('%s is a warning and the table is still read', (_label, text, code) => {
    const { table, diagnostics } = readMinijailArchJson(text, 'c.json');
    expect(table?.name).toBe('x86_64');
    expect(diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.severity])).toEqual([[code, 'warning']]);
  });

  it('names every code it reports in the code table', () => {
    for (const code of ['SC6001', 'SC6009']) expect(archDiagnosticCodes).toHaveProperty(code);
  });

  describeWithShared('crosvm-2026-08 constants.json files', [corpus2026], () => {
    it.each(['x86_64', 'aarch64', 'riscv64'])('%s reads without diagnostics and keeps every value', (arch) => {
      const text = readFileSync(`${corpus2026.path}/${arch}/constants.json`, 'utf8');
      const { table, diagnostics } = readMinijailArchJson(text, `${arch}/constants.json`);
      expect(diagnostics).toEqual([]);
      expect(table?.name).toBe(arch);
      const parsed = JSON.parse(text) as { syscalls: Record<string, number>; constants: Record<string, number> };
      expect(Object.keys(table?.syscalls ?? {}).length).toBe(Object.keys(parsed.syscalls).length);
      expect(Object.keys(table?.constants ?? {}).length).toBe(Object.keys(parsed.constants).length);
      for (const [name, value] of Object.entries(parsed.syscalls)) expect(table?.syscalls[name]).toBe(value);
    });
  });
});

describe('minijailArchFacts', () => {
  it.each(archConfigs.map((config) => [config.name, config] as const))('%s agrees with the generator configuration', (name, config) => {
    const facts = minijailArchFacts.find((entry) => entry.name === name);
    expect(facts).toMatchObject({ bits: config.bits, endianness: config.endianness });
  });
});

describe('formatMinijailArchJson', () => {
  const table: ArchTable = {
    name: 'aarch64',
    aliases: ['arm64'],
    auditArch: 0xc00000b7,
    bits: 64,
    endianness: 'little',
    kernelVersion: '7.2',
    syscalls: { openat: 56, read: 63 },
    constants: { O_RDONLY: 0n, ALL: 0xffffffffffffffffn },
  };

  it('writes Minijail keys and names, with exact 64-bit constants', () => {
    const text = formatMinijailArchJson(table);
    expect(text).toContain('"arch_name": "arm64"');
    expect(text).toContain('"ALL": 18446744073709551615');
    expect(JSON.parse(text)).toMatchObject({ arch_nr: 0xc00000b7, bits: 64, syscalls: { openat: 56, read: 63 } });
  });

  it('reads back into the same numbers', () => {
    const { table: back, diagnostics } = readMinijailArchJson(formatMinijailArchJson(table), 'out.json');
    expect(diagnostics).toEqual([]);
    expect(back).toMatchObject({ name: 'aarch64', auditArch: table.auditArch, bits: 64 });
    expect({ ...back?.syscalls }).toEqual(table.syscalls);
    expect({ ...back?.constants }).toEqual(table.constants);
  });
});
