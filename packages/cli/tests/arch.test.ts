// `syscage arch`, run in-process.
import { describe, expect, it, vi } from 'vitest';
import { readMinijailArchJson } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { runInProcess } from './helpers.js';

// Loading every table from source goes through vite's transform of seven ~220 KB files; give the
// first test room on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

describe('syscage arch (list)', () => {
  it('lists every architecture with audit arch, bits, counts and kernel version', async () => {
    const result = await runInProcess(['arch']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^name\s+aliases\s+audit arch\s+bits\s+endian\s+syscalls\s+constants\s+kernel$/);
    const rows = new Map(lines.slice(1).map((line) => [line.split(/\s+/)[0], line.split(/\s+/)]));
    expect([...rows.keys()]).toEqual(['x86_64', 'aarch64', 'arm', 'riscv64', 'i386', 'ppc64le', 's390x']);
    expect(rows.get('x86_64')?.slice(2, 5)).toEqual(['0xc000003e', '64', 'little']);
    expect(rows.get('arm')?.slice(2, 4)).toEqual(['0x40000028', '32']);
    expect(rows.get('s390x')?.slice(2, 5)).toEqual(['0x80000016', '64', 'big']);
    for (const row of rows.values()) {
      expect(Number(row[5])).toBeGreaterThan(300);
      expect(Number(row[6])).toBeGreaterThan(1900);
      expect(row[7]).toMatch(/^\d+\.\d+/);
    }
  });

  it('lists them as JSON', async () => {
    const result = await runInProcess(['arch', '--json']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { name: string; auditArch: number; bits: number; syscallCount: number }[];
    expect(list.map((entry) => [entry.name, entry.auditArch, entry.bits])).toEqual([
      ['x86_64', 0xc000003e, 64],
      ['aarch64', 0xc00000b7, 64],
      ['arm', 0x40000028, 32],
      ['riscv64', 0xc00000f3, 64],
      ['i386', 0x40000003, 32],
      ['ppc64le', 0xc0000015, 64],
      ['s390x', 0x80000016, 64],
    ]);
  });
});

describe('syscage arch NAME', () => {
  it('prints the whole table as JSON with constants as decimal strings', async () => {
    const result = await runInProcess(['arch', 'arm64', '--json']);
    expect(result.code).toBe(0);
    const table = JSON.parse(result.stdout) as {
      name: string;
      auditArch: number;
      bits: number;
      kernelVersion: string;
      syscalls: Record<string, number>;
      constants: Record<string, string>;
    };
    expect(Object.keys(table)).toEqual(['name', 'auditArch', 'bits', 'kernelVersion', 'syscalls', 'constants']);
    expect(table.name).toBe('aarch64');
    expect(table.syscalls.openat).toBe(56);
    expect(table.syscalls.open).toBeUndefined();
    expect(table.constants.O_DIRECTORY).toBe('16384');
    expect(Object.values(table.constants).every((value) => /^\d+$/.test(value))).toBe(true);
  });

  it('prints a summary as text', async () => {
    const result = await runInProcess(['arch', 'x86']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('name: i386\n');
    expect(result.stdout).toContain('auditArch: 0x40000003\n');
    expect(result.stdout).toContain('bits: 32\n');
  });

  it.each([
    [['arch', 'x86_64', '--syscall', 'openat'], 'openat = 257 (0x101)\n'],
    [['arch', 'arm', '--syscall', 'ARM_cacheflush'], 'ARM_cacheflush = 983042 (0xf0002)\n'],
    [['arch', 'arm', '--syscall', 'cacheflush'], 'cacheflush = 983042 (0xf0002)\n'],
    [['arch', 'x86_64', '--constant', 'O_CLOEXEC'], 'O_CLOEXEC = 524288 (0x80000)\n'],
    [['arch', 'arm', '--constant', 'O_DIRECTORY'], 'O_DIRECTORY = 16384 (0x4000)\n'],
    [['arch', 'amd64', '--constant', 'MINIJAIL_ARCH_NR'], 'MINIJAIL_ARCH_NR = 3221225534 (0xc000003e)\n'],
    // Issue 20 item 14: a number looks the other way, to every name with that value.
    [['arch', 'x86_64', '--constant', '0x5401'], '21505 (0x5401) = TCGETS\n21505 (0x5401) as flags = '],
    [['arch', 'x86_64', '--constant', '21531'], '21531 (0x541b) = FIONREAD, SIOCINQ, TIOCINQ\n21531 (0x541b) as flags = '],
    // A value no constant has, but a set of flags covers exactly (open's access mode and flags, socket's type and flags, …).
    [['arch', 'x86_64', '--constant', '0x80002'], '524290 (0x80002) as flags = MAP_PRIVATE|MAP_SYNC, MS_NOSUID|MS_SLAVE, O_RDWR|O_CLOEXEC, SIGINT|CLONE_SETTLS, SOCK_DGRAM|SOCK_CLOEXEC\n'],
    [['arch', 'aarch64', '--constant', '0o4'], '4 (0x4) = ABS_RY, AF_IPX, '],
  ])('%j prints %j', async (argv, expected) => {
    const result = await runInProcess(argv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    if (expected.endsWith('\n')) expect(result.stdout).toBe(expected);
    else expect(result.stdout.startsWith(expected)).toBe(true);
  });

  it('says when no constant has a value', async () => {
    const result = await runInProcess(['arch', 'x86_64', '--constant', '0x7fffffff']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'syscage: no x86_64 constant or set of flags has the value 0x7fffffff\n' });
    const json = await runInProcess(['arch', 'x86_64', '--constant', '3', '--json']);
    const constant = (JSON.parse(json.stdout) as { constant: { value: string; names: string[]; flags: string[] } }).constant;
    expect(constant.value).toBe('3');
    expect(constant.names).toContain('AF_AX25');
    expect(constant.flags).toContain('PROT_READ|PROT_WRITE');
  });

  it('resolves a syscall and a constant together as JSON', async () => {
    const result = await runInProcess(['arch', 'riscv64', '--syscall', 'mmap', '--constant', 'PROT_EXEC', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      arch: 'riscv64',
      syscall: { name: 'mmap', number: 222 },
      constant: { name: 'PROT_EXEC', value: '4' },
    });
  });
});

describe('syscage arch NAME --format minijail-json', () => {
  it('writes Minijail\'s constants.json, which reads back into the same table', async () => {
    const result = await runInProcess(['arch', 'arm64', '--format', 'minijail-json']);
    expect(result.code).toBe(0);
    const { table, diagnostics } = readMinijailArchJson(result.stdout, 'constants.json');
    expect(diagnostics).toEqual([]);
    expect(table?.name).toBe('aarch64');
    expect({ ...table?.syscalls }).toEqual(archAarch64.syscalls);
    expect({ ...table?.constants }).toEqual(archAarch64.constants);
    expect(JSON.parse(result.stdout)).toMatchObject({ arch_name: 'arm64', arch_nr: 0xc00000b7, bits: 64 });
  });

  it.each([
    ['without a name', ['arch', '--format', 'minijail-json'], 'name an architecture'],
    ['with --syscall', ['arch', 'x86_64', '--format', 'minijail-json', '--syscall', 'read'], 'name an architecture'],
    ['-o without minijail-json', ['arch', 'x86_64', '-o', 'x.json'], '-o/--output is for --format minijail-json'],
  ])('is a usage error %s', async (_label, argv, phrase) => {
    const result = await runInProcess(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(phrase);
  });
});

describe('syscage arch errors', () => {
  it.each([
    [['arch', 'x86_64', '--syscall', 'opnat'], "unknown syscall 'opnat' on x86_64; did you mean 'openat'?"],
    [['arch', 'x86_64', '--constant', 'O_CLOEXC'], "unknown constant 'O_CLOEXC' on x86_64; did you mean 'O_CLOEXEC'?"],
    [['arch', 'x86_64', '--syscall', 'mmap2'], "unknown syscall 'mmap2' on x86_64; did you mean 'mmap'?"],
    [['arch', 'aarch64', '--syscall', 'constructor'], "unknown syscall 'constructor' on aarch64"],
  ])('%j exits 1 with %j', async (argv, message) => {
    const result = await runInProcess(argv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`syscage: ${message}`);
  });

  it('an unknown architecture exits 2 and lists the known ones', async () => {
    const result = await runInProcess(['arch', 'arm65', '--syscall', 'read']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown architecture 'arm65'. Did you mean 'arm64'?");
    expect(result.stderr).toContain('Known architectures: x86_64 (amd64, x86-64), aarch64 (arm64), arm');
  });

  it('--syscall without an architecture is a usage error', async () => {
    const result = await runInProcess(['arch', '--syscall', 'read']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('need an architecture');
  });
});
