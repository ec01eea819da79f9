// Values that differ between architectures must come out different: each table is evaluated
// for its own ABI, not copied from the host.
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archI386 } from '@syscage/arch-i386';
import { archPpc64le } from '@syscage/arch-ppc64le';
import { archRiscv64 } from '@syscage/arch-riscv64';
import { archS390x } from '@syscage/arch-s390x';
import { type ArchTable, lookupConstant, lookupSyscall } from '@syscage/arch-tables';
import { archX86_64 } from '@syscage/arch-x86-64';
import { describe, expect, it } from 'vitest';

const tables: Record<string, ArchTable> = {
  x86_64: archX86_64,
  aarch64: archAarch64,
  arm: archArm,
  riscv64: archRiscv64,
  i386: archI386,
  ppc64le: archPpc64le,
  s390x: archS390x,
};

function constantOn(arch: string, name: string): bigint | undefined {
  const table = tables[arch];
  return table ? lookupConstant(table, name) : undefined;
}

describe('constants whose value depends on the architecture', () => {
  // Values from each architecture's asm/fcntl.h (octal, as the headers write them).
  it.each([
    ['O_DIRECTORY', { x86_64: 0o200000n, i386: 0o200000n, riscv64: 0o200000n, s390x: 0o200000n, arm: 0o40000n, aarch64: 0o40000n, ppc64le: 0o40000n }],
    ['O_NOFOLLOW', { x86_64: 0o400000n, i386: 0o400000n, riscv64: 0o400000n, s390x: 0o400000n, arm: 0o100000n, aarch64: 0o100000n, ppc64le: 0o100000n }],
    ['O_DIRECT', { x86_64: 0o40000n, i386: 0o40000n, riscv64: 0o40000n, s390x: 0o40000n, arm: 0o200000n, aarch64: 0o200000n, ppc64le: 0o400000n }],
    ['O_LARGEFILE', { x86_64: 0o100000n, i386: 0o100000n, riscv64: 0o100000n, s390x: 0o100000n, arm: 0o400000n, aarch64: 0o400000n, ppc64le: 0o200000n }],
  ])('%s', (name, expected) => {
    for (const [arch, value] of Object.entries(expected)) expect(constantOn(arch, name), arch).toBe(value);
  });

  it('ioctl numbers that embed sizeof(long) differ between 64-bit and 32-bit ABIs', () => {
    // FS_IOC_GETFLAGS is _IOR('f', 1, long): size 8 on LP64, 4 on ILP32.
    for (const arch of ['x86_64', 'aarch64', 'riscv64', 's390x']) expect(constantOn(arch, 'FS_IOC_GETFLAGS'), arch).toBe(0x80086601n);
    for (const arch of ['arm', 'i386']) expect(constantOn(arch, 'FS_IOC_GETFLAGS'), arch).toBe(0x80046601n);
  });

  it('TCGETS2 is _IOR(T, 0x2a, struct termios2), 44 bytes, wherever it exists; PowerPC has no termios2 ioctls', () => {
    for (const arch of ['x86_64', 'aarch64', 'arm', 'riscv64', 'i386', 's390x']) {
      expect(constantOn(arch, 'TCGETS2'), arch).toBe(0x802c542an);
    }
    expect(constantOn('ppc64le', 'TCGETS2')).toBeUndefined();
  });

  it('PowerPC encodes ioctl directions differently (read 2, write 4, 13-bit size)', () => {
    // FIONBIO: _IOW('f', 126, int) on PowerPC, the legacy 0x5421 elsewhere.
    expect(constantOn('ppc64le', 'FIONBIO')).toBe(0x8004667en);
    for (const arch of ['x86_64', 'aarch64', 'arm', 'riscv64', 'i386', 's390x']) expect(constantOn(arch, 'FIONBIO'), arch).toBe(0x5421n);
    // FS_IOC_GETFLAGS: _IOR('f', 1, long) is 0x40086601 with PowerPC's read bit.
    expect(constantOn('ppc64le', 'FS_IOC_GETFLAGS')).toBe(0x40086601n);
  });

  it('KVM ioctls exist where the kernel has KVM for the ABI, and not on 32-bit Arm', () => {
    for (const arch of ['x86_64', 'aarch64', 'riscv64', 'i386', 's390x']) expect(constantOn(arch, 'KVM_RUN'), arch).toBe(0xae80n);
    expect(constantOn('ppc64le', 'KVM_RUN')).toBe(0x2000ae80n);
    expect(constantOn('arm', 'KVM_RUN')).toBeUndefined();
  });

  it('stores negative C values as two\'s complement in the word size', () => {
    // AT_FDCWD is -100; FUTEX_CMD_MASK is ~(flags) of type int.
    for (const arch of ['x86_64', 'aarch64', 'riscv64', 'ppc64le', 's390x']) {
      expect(constantOn(arch, 'AT_FDCWD'), arch).toBe(0xffffffffffffff9cn);
      expect(constantOn(arch, 'FUTEX_CMD_MASK'), arch).toBe(0xfffffffffffff87fn);
    }
    for (const arch of ['arm', 'i386']) {
      expect(constantOn(arch, 'AT_FDCWD'), arch).toBe(0xffffff9cn);
      expect(constantOn(arch, 'FUTEX_CMD_MASK'), arch).toBe(0xfffff87fn);
    }
  });

  it('keeps values wider than 32 bits on 32-bit ABIs (for the compiler to reject there)', () => {
    // CLONE_CLEAR_SIGHAND is 0x100000000ULL, usable only through clone3's 64-bit flags.
    for (const arch of Object.keys(tables)) expect(constantOn(arch, 'CLONE_CLEAR_SIGHAND'), arch).toBe(0x100000000n);
  });

  it('every table has its own audit arch, and MINIJAIL_ARCH_NR/BITS follow it', () => {
    const auditArches = Object.values(tables).map((table) => table.auditArch);
    expect(new Set(auditArches).size).toBe(auditArches.length);
    for (const [arch, table] of Object.entries(tables)) {
      expect(constantOn(arch, 'MINIJAIL_ARCH_NR'), arch).toBe(BigInt(table.auditArch));
      expect(constantOn(arch, 'MINIJAIL_ARCH_BITS'), arch).toBe(BigInt(table.bits));
    }
  });
});

describe('syscalls that exist only on some ABIs', () => {
  it('_llseek exists on the 32-bit ABIs and, as a leftover, on ppc64le', () => {
    for (const table of [archArm, archI386, archPpc64le]) expect(lookupSyscall(table, '_llseek'), table.name).toBeTypeOf('number');
    for (const table of [archX86_64, archAarch64, archRiscv64, archS390x]) expect(lookupSyscall(table, '_llseek'), table.name).toBeUndefined();
  });

  it.each([['mmap2'], ['fcntl64'], ['stat64']])('%s exists only on the 32-bit ABIs', (name) => {
    expect(lookupSyscall(archArm, name)).toBeTypeOf('number');
    expect(lookupSyscall(archI386, name)).toBeTypeOf('number');
    for (const table of [archX86_64, archAarch64, archRiscv64, archPpc64le, archS390x]) {
      expect(lookupSyscall(table, name), table.name).toBeUndefined();
    }
  });

  it.each([
    ['openat', { x86_64: 257, aarch64: 56, riscv64: 56, arm: 322, i386: 295, ppc64le: 286, s390x: 288 }],
    ['mmap2', { arm: 192, i386: 192 }],
    ['open', { x86_64: 2, arm: 5, i386: 5, ppc64le: 5, s390x: 5 }],
    ['riscv_flush_icache', { riscv64: 259 }],
    ['arch_prctl', { x86_64: 158, i386: 384 }],
  ])('%s has each ABI’s number', (name, expected) => {
    for (const [arch, table] of Object.entries(tables)) {
      expect(lookupSyscall(table, name), arch).toBe((expected as Record<string, number>)[arch]);
    }
  });

  it('only x86_64 carries the x32 syscall bit', () => {
    expect(archX86_64.x32SyscallBit).toBe(0x40000000);
    for (const table of [archAarch64, archArm, archRiscv64, archI386, archPpc64le, archS390x]) {
      expect(table.x32SyscallBit, table.name).toBeUndefined();
    }
  });

  it('s390x is the one big-endian table', () => {
    expect(Object.values(tables).filter((table) => table.endianness === 'big').map((table) => table.name)).toEqual(['s390x']);
  });
});
