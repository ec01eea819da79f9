import { describe, expect, it } from 'vitest';
import { emulate, seccompActionName, seccompDataWord, type SeccompData } from '../src/emulate.js';
import * as op from '../src/opcodes.js';
import type { BpfProgram } from '../src/types.js';
import { jump, stmt } from './emulator-asm.js';

const { BPF_LD, BPF_LDX, BPF_W, BPF_ABS, BPF_IMM, BPF_MEM, BPF_LEN, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_RET, BPF_MISC, BPF_K, BPF_X, BPF_A } = op;

const data: SeccompData = {
  nr: 59,
  arch: 0xc000003e,
  instructionPointer: 0x1122334455667788n,
  args: [0x0000000100000002n, 0xffffffff80000000n, 7n, 0n, 0n, 0xdeadbeefcafef00dn],
};

const LD_ABS = BPF_LD | BPF_W | BPF_ABS;
const RET_A = BPF_RET | BPF_A;
/** Loads imm into A, runs `insns`, returns A. */
function aluProgram(a: number, x: number, ...insns: BpfProgram): BpfProgram {
  return [stmt(BPF_LDX | BPF_IMM, x), stmt(BPF_LD | BPF_IMM, a), ...insns, stmt(RET_A)];
}
function alu(opcode: number, useX: boolean, k = 0): BpfProgram {
  return [stmt(BPF_ALU | opcode | (useX ? BPF_X : BPF_K), k)];
}

describe('emulate: loads of seccomp_data', () => {
  it.each([
    ['nr', 0, 59],
    ['arch', 4, 0xc000003e],
    ['ip low', 8, 0x55667788],
    ['ip high', 12, 0x11223344],
    ['args[0] low', 16, 2],
    ['args[0] high', 20, 1],
    ['args[1] low', 24, 0x80000000],
    ['args[1] high', 28, 0xffffffff],
    ['args[5] low', 56, 0xcafef00d],
    ['args[5] high', 60, 0xdeadbeef],
  ])('little-endian ld [%s] (offset %i)', (_name, offset, expected) => {
    const result = emulate([stmt(LD_ABS, offset), stmt(RET_A)], data);
    expect(result.ok && result.returnValue).toBe(expected);
  });

  it.each([
    ['args[0] high word first', 16, 1],
    ['args[0] low word second', 20, 2],
    ['ip high word first', 8, 0x11223344],
    ['args[5] low', 60, 0xcafef00d],
  ])('big-endian ld: %s', (_name, offset, expected) => {
    const result = emulate([stmt(LD_ABS, offset), stmt(RET_A)], data, { byteOrder: 'big' });
    expect(result.ok && result.returnValue).toBe(expected);
  });

  it('reads a negative nr as its u32 pattern', () => {
    expect(seccompDataWord({ ...data, nr: -1 }, 0)).toBe(0xffffffff);
  });

  it.each([
    ['ld len', [stmt(BPF_LD | BPF_W | BPF_LEN), stmt(RET_A)], 64],
    ['ldx len then txa', [stmt(BPF_LDX | BPF_W | BPF_LEN), stmt(BPF_MISC | op.BPF_TXA), stmt(RET_A)], 64],
    ['ld imm', [stmt(BPF_LD | BPF_IMM, 0x12345678), stmt(RET_A)], 0x12345678],
    ['ldx imm, txa', [stmt(BPF_LDX | BPF_IMM, 9), stmt(BPF_MISC | op.BPF_TXA), stmt(RET_A)], 9],
    ['tax copies A to X', [stmt(BPF_LD | BPF_IMM, 5), stmt(BPF_MISC | op.BPF_TAX), stmt(BPF_LD | BPF_IMM, 0), stmt(BPF_MISC | op.BPF_TXA), stmt(RET_A)], 5],
    ['X starts at 0', [stmt(BPF_LD | BPF_IMM, 5), stmt(BPF_MISC | op.BPF_TXA), stmt(RET_A)], 0],
    ['A starts at 0', [stmt(RET_A)], 0],
    ['st / ld mem', [stmt(BPF_LD | BPF_IMM, 77), stmt(BPF_ST, 3), stmt(BPF_LD | BPF_IMM, 1), stmt(BPF_LD | BPF_MEM, 3), stmt(RET_A)], 77],
    ['stx / ldx mem', [stmt(BPF_LDX | BPF_IMM, 66), stmt(BPF_STX, 15), stmt(BPF_LDX | BPF_IMM, 0), stmt(BPF_LDX | BPF_MEM, 15), stmt(BPF_MISC | op.BPF_TXA), stmt(RET_A)], 66],
    ['cells are separate', [stmt(BPF_LD | BPF_IMM, 1), stmt(BPF_ST, 0), stmt(BPF_LD | BPF_IMM, 2), stmt(BPF_ST, 1), stmt(BPF_LD | BPF_MEM, 0), stmt(RET_A)], 1],
  ] as [string, BpfProgram, number][])('%s', (_name, program, expected) => {
    const result = emulate(program, data);
    expect(result.ok && result.returnValue).toBe(expected);
  });
});

describe('emulate: ALU (32-bit, wrapping)', () => {
  it.each([
    ['add k', aluProgram(0xffffffff, 0, ...alu(op.BPF_ADD, false, 2)), 1],
    ['add x', aluProgram(3, 4, ...alu(op.BPF_ADD, true)), 7],
    ['sub k wraps', aluProgram(1, 0, ...alu(op.BPF_SUB, false, 2)), 0xffffffff],
    ['sub x', aluProgram(10, 4, ...alu(op.BPF_SUB, true)), 6],
    ['mul k wraps', aluProgram(0x10000, 0, ...alu(op.BPF_MUL, false, 0x10001)), 0x10000],
    ['mul x large', aluProgram(0xffffffff, 0xffffffff, ...alu(op.BPF_MUL, true)), 1],
    ['div k', aluProgram(100, 0, ...alu(op.BPF_DIV, false, 7)), 14],
    ['div x', aluProgram(0xffffffff, 2, ...alu(op.BPF_DIV, true)), 0x7fffffff],
    ['div x by 0 returns 0', [stmt(BPF_LD | BPF_IMM, 9), ...alu(op.BPF_DIV, true), stmt(BPF_RET | BPF_K, op.SECCOMP_RET_ALLOW)], 0],
    ['mod k', aluProgram(100, 0, ...alu(op.BPF_MOD, false, 7)), 2],
    ['mod x by 0 returns 0', [stmt(BPF_LD | BPF_IMM, 9), ...alu(op.BPF_MOD, true), stmt(BPF_RET | BPF_K, op.SECCOMP_RET_ALLOW)], 0],
    ['or k', aluProgram(0xf0, 0, ...alu(op.BPF_OR, false, 0x0f)), 0xff],
    ['or x high bit', aluProgram(1, 0x80000000, ...alu(op.BPF_OR, true)), 0x80000001],
    ['and k', aluProgram(0xff, 0, ...alu(op.BPF_AND, false, 0x3c)), 0x3c],
    ['and x', aluProgram(0xffffffff, 0x80000000, ...alu(op.BPF_AND, true)), 0x80000000],
    ['xor k', aluProgram(0xff, 0, ...alu(op.BPF_XOR, false, 0xffffffff)), 0xffffff00],
    ['xor x', aluProgram(5, 3, ...alu(op.BPF_XOR, true)), 6],
    ['lsh k', aluProgram(1, 0, ...alu(op.BPF_LSH, false, 31)), 0x80000000],
    ['lsh k overflow drops bits', aluProgram(0x80000001, 0, ...alu(op.BPF_LSH, false, 1)), 2],
    ['lsh x', aluProgram(3, 4, ...alu(op.BPF_LSH, true)), 48],
    ['lsh x by 32 is by 0', aluProgram(3, 32, ...alu(op.BPF_LSH, true)), 3],
    ['lsh x by 33 is by 1', aluProgram(3, 33, ...alu(op.BPF_LSH, true)), 6],
    ['rsh k is logical', aluProgram(0x80000000, 0, ...alu(op.BPF_RSH, false, 31)), 1],
    ['rsh x', aluProgram(0xf0, 4, ...alu(op.BPF_RSH, true)), 0xf],
    ['rsh x by 36 is by 4', aluProgram(0xf0, 36, ...alu(op.BPF_RSH, true)), 0xf],
    ['neg', aluProgram(1, 0, stmt(BPF_ALU | op.BPF_NEG)), 0xffffffff],
    ['neg of 0', aluProgram(0, 0, stmt(BPF_ALU | op.BPF_NEG)), 0],
  ] as [string, BpfProgram, number][])('%s', (_name, program, expected) => {
    const result = emulate(program, data);
    expect(result.ok).toBe(true);
    expect(result.ok && result.returnValue).toBe(expected);
  });
});

describe('emulate: jumps', () => {
  // A = 5, X = 7; the jump selects ret 1 (true) or ret 2 (false).
  function jumpProgram(code: number, k: number): BpfProgram {
    return [
      stmt(BPF_LDX | BPF_IMM, 7),
      stmt(BPF_LD | BPF_IMM, 5),
      jump(BPF_JMP | code, k, 0, 1),
      stmt(BPF_RET | BPF_K, 1),
      stmt(BPF_RET | BPF_K, 2),
    ];
  }
  it.each([
    ['jeq k true', op.BPF_JEQ | BPF_K, 5, 1],
    ['jeq k false', op.BPF_JEQ | BPF_K, 6, 2],
    ['jeq x false', op.BPF_JEQ | BPF_X, 0, 2],
    ['jgt k true', op.BPF_JGT | BPF_K, 4, 1],
    ['jgt k equal false', op.BPF_JGT | BPF_K, 5, 2],
    ['jgt k unsigned', op.BPF_JGT | BPF_K, 0xffffffff, 2],
    ['jgt x false', op.BPF_JGT | BPF_X, 0, 2],
    ['jge k equal true', op.BPF_JGE | BPF_K, 5, 1],
    ['jge k false', op.BPF_JGE | BPF_K, 6, 2],
    ['jge x false', op.BPF_JGE | BPF_X, 0, 2],
    ['jset k true', op.BPF_JSET | BPF_K, 4, 1],
    ['jset k false', op.BPF_JSET | BPF_K, 2, 2],
    ['jset x true (5 & 7)', op.BPF_JSET | BPF_X, 0, 1],
  ])('%s', (_name, code, k, expected) => {
    const result = emulate(jumpProgram(code, k), data);
    expect(result.ok && result.returnValue).toBe(expected);
  });

  it('ja skips k instructions and records the path', () => {
    const program = [jump(BPF_JMP | op.BPF_JA, 1, 0, 0), stmt(BPF_RET | BPF_K, 1), stmt(BPF_RET | BPF_K, 2)];
    const result = emulate(program, data);
    expect(result).toMatchObject({ ok: true, returnValue: 2, path: [0, 2], instructionsExecuted: 2 });
  });
});

describe('emulate: return values and actions', () => {
  it.each([
    [op.SECCOMP_RET_ALLOW, 'allow', 0],
    [op.SECCOMP_RET_ERRNO | 1, 'errno', 1],
    [op.SECCOMP_RET_KILL_PROCESS, 'kill-process', 0],
    [op.SECCOMP_RET_KILL_THREAD, 'kill-thread', 0],
    [op.SECCOMP_RET_TRAP | 0x42, 'trap', 0x42],
    [op.SECCOMP_RET_TRACE | 7, 'trace', 7],
    [op.SECCOMP_RET_LOG, 'log', 0],
    [op.SECCOMP_RET_USER_NOTIF, 'user-notify', 0],
    [0x00010000, 'unknown', 0],
  ])('ret 0x%s', (value, action, dataBits) => {
    const result = emulate([stmt(BPF_RET | BPF_K, value)], data);
    expect(result).toMatchObject({ ok: true, returnValue: value >>> 0, action, data: dataBits });
    expect(seccompActionName(value)).toBe(action);
  });
});

describe('emulate: invalid programs give error results, never throw', () => {
  it.each([
    ['fall off the end', [stmt(BPF_LD | BPF_IMM, 1)], 'SC4630', 1],
    ['jump past the end', [jump(BPF_JMP | op.BPF_JEQ | BPF_K, 0, 5, 5), stmt(RET_A)], 'SC4630', 6],
    ['ja past the end', [jump(BPF_JMP | op.BPF_JA, 100, 0, 0), stmt(RET_A)], 'SC4630', 101],
    ['uninitialised M[2]', [stmt(BPF_LD | BPF_MEM, 2), stmt(RET_A)], 'SC4611', 0],
    ['memory index 16', [stmt(BPF_ST, 16), stmt(RET_A)], 'SC4610', 0],
    ['misaligned load', [stmt(LD_ABS, 2), stmt(RET_A)], 'SC4606', 0],
    ['load past seccomp_data', [stmt(LD_ABS, 64), stmt(RET_A)], 'SC4605', 0],
    ['ld h abs', [stmt(BPF_LD | op.BPF_H | BPF_ABS, 0), stmt(RET_A)], 'SC4631', 0],
    ['ld ind', [stmt(BPF_LD | BPF_W | op.BPF_IND, 0), stmt(RET_A)], 'SC4631', 0],
    ['ret x', [stmt(BPF_RET | BPF_X)], 'SC4631', 0],
    ['div by constant 0', [stmt(BPF_ALU | op.BPF_DIV | BPF_K, 0), stmt(RET_A)], 'SC4612', 0],
    ['unknown code', [stmt(0xffff), stmt(RET_A)], 'SC4631', 0],
  ] as [string, BpfProgram, string, number][])('%s', (_name, program, code, pc) => {
    const result = emulate(program, data);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.pc).toBe(pc);
    }
  });
});
