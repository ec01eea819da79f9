import { describe, expect, it } from 'vitest';
import { auditArchName, disassemble, formatReturnValue, seccompFieldName } from '../src/disasm.js';
import { jump, stmt } from './emulator-asm.js';
import { miniArm, miniX86_64 } from './disasm-arch.js';

describe('disassembler naming', () => {
  it.each([
    [0, 'little', 'nr'],
    [4, 'little', 'arch'],
    [8, 'little', 'ip.lo'],
    [12, 'little', 'ip.hi'],
    [24, 'little', 'args[1].lo'],
    [28, 'little', 'args[1].hi'],
    [24, 'big', 'args[1].hi'],
    [60, 'big', 'args[5].lo'],
    [8, 'big', 'ip.hi'],
    [18, 'little', undefined],
    [64, 'little', undefined],
  ] as const)('offset %i (%s-endian) is %s', (offset, order, name) => {
    expect(seccompFieldName(offset, order)).toBe(name);
  });

  it.each([
    [0x7fff0000, 'ALLOW'],
    [0x00050001, 'ERRNO(1)'],
    [0x80000000, 'KILL_PROCESS'],
    [0x00000000, 'KILL_THREAD'],
    [0x00030000, 'TRAP'],
    [0x7ff00007, 'TRACE(7)'],
    [0x7ffc0000, 'LOG'],
    [0x7fc00000, 'USER_NOTIF'],
    [0x12340000, '0x12340000'],
  ])('ret 0x%s reads %s', (value, text) => {
    expect(formatReturnValue(value)).toBe(text);
  });

  it('names an errno return with a table', () => {
    expect(formatReturnValue(0x00050002, miniX86_64)).toBe('ERRNO(2=ENOENT)');
    expect(formatReturnValue(0x00050063, miniX86_64)).toBe('ERRNO(99)');
    expect(formatReturnValue(0x7ff00002, miniX86_64)).toBe('TRACE(2)');
  });

  it('names syscalls only where A holds nr on every incoming path', () => {
    const lines = disassemble(
      [
        stmt(0x20, 0), // ld [nr]
        jump(0x15, 59, 2, 0), // jeq execve
        stmt(0x20, 16), // ld [args[0].lo]
        jump(0x15, 59, 0, 0), // A may be nr or args[0]: no name
        stmt(0x06, 0x7fff0000),
      ],
      { arch: miniX86_64 },
    );
    expect(lines[1]?.comment).toBe('execve');
    expect(lines[1]?.targets).toEqual([4, 2]);
    expect(lines[3]?.comment).toBe('59');
  });

  it('names argument values as the syscall argument compared, and errno returns', () => {
    const lines = disassemble(
      [
        stmt(0x20, 0), // ld [nr]
        jump(0x15, 9, 0, 5), // jeq mmap
        stmt(0x20, 32), // ld [args[2].lo]
        jump(0x15, 3, 0, 1), // jeq PROT_READ|PROT_WRITE
        jump(0x45, 4, 1, 0), // jset PROT_EXEC
        stmt(0x06, 0x7fff0000),
        stmt(0x06, 0x00050002), // ERRNO(ENOENT)
        jump(0x15, 41, 0, 2), // jeq socket (nr is still in A)
        stmt(0x20, 16), // ld [args[0].lo]
        jump(0x15, 2, 0, 0), // jeq AF_INET
        stmt(0x20, 24), // ld [args[1].lo]: socket, or nothing the jeq socket path says
        jump(0x15, 2, 0, 0), // jeq 2: A is args[1] of socket or of no known syscall
        stmt(0x06, 0),
      ],
      { arch: miniX86_64 },
    );
    expect(lines.map((line) => line.comment)).toEqual(['', 'mmap', '', 'PROT_READ|PROT_WRITE', 'PROT_EXEC', '', 'ENOENT', 'socket', '', 'AF_INET', '', '', '']);
  });

  it('names 32-bit arm syscalls and audit values, and ARM private numbers', () => {
    const lines = disassemble([stmt(0x20, 4), jump(0x15, 0x40000028, 0, 0), stmt(0x20, 0), jump(0x15, 0x0f0005, 0, 0), stmt(0x06, 0)], {
      arch: miniArm,
    });
    expect(lines.map((line) => line.comment)).toEqual(['', 'AUDIT_ARCH_ARM (arm)', '', 'set_tls', '']);
    expect(auditArchName(0xc00000b7)).toBe('AUDIT_ARCH_AARCH64');
  });

  it('prints absolute ja targets', () => {
    expect(disassemble([jump(0x05, 1, 0, 0), stmt(0x06, 0), stmt(0x06, 0x7fff0000)])[0]?.text).toBe('0: ja 2');
  });
});
